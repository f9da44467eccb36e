using System.Text;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

public class JsonMessageTypeSnifferTests
{
    [TestCase("{\"type\":\"hello\",\"version\":1}", "hello")]
    [TestCase("{\"session_id\":\"\",\"features\":{\"type\":\"inner\"},\"type\":\"listen\"}", "listen")]
    [TestCase("  {\"type\" : \"mcp\", \"payload\": {\"jsonrpc\":\"2.0\"}}  ", "mcp")]
    [TestCase("{\"ty\\u0070e\":\"abort\"}", "abort")]
    public void Reads_the_top_level_type(string json, string expected)
    {
        var result = JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json));
        result.Should().Be(new JsonMessageType(JsonMessageShape.Typed, expected));
    }

    [TestCase("{}")]
    [TestCase("{\"state\":\"start\",\"nested\":{\"type\":\"x\"}}")]
    public void No_type(string json) =>
        JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json)).Shape.Should().Be(JsonMessageShape.NoType);

    [TestCase("{\"type\":3}")]
    [TestCase("{\"type\":null}")]
    [TestCase("{\"type\":{\"a\":1}}")]
    public void Type_not_a_string(string json) =>
        JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json)).Shape.Should().Be(JsonMessageShape.TypeNotString);

    [TestCase("ping")]
    [TestCase("")]
    [TestCase("[1,2]")]
    [TestCase("\"hello\"")]
    [TestCase("{\"type\":")]
    [TestCase("{\"a\":1")]
    public void Not_json(string text) =>
        JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(text)).Shape.Should().Be(JsonMessageShape.NotJson);

    [Test]
    public void Huge_frame_with_type_after_a_big_value()
    {
        var image = new string('A', 14 * 1024 * 1024);
        var json = Encoding.UTF8.GetBytes("{\"image_data\":{\"data\":\"" + image + "\",\"format\":\"jpeg\"},\"type\":\"image\"}");
        JsonMessageTypeSniffer.Sniff(json).Should().Be(new JsonMessageType(JsonMessageShape.Typed, "image"));
    }

    [Test]
    public void Type_is_cut_for_logs()
    {
        var longType = new string('x', 100);
        var result = JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes("{\"type\":\"" + longType + "\"}"));
        result.ForLog().Should().HaveLength(33);
        new JsonMessageType(JsonMessageShape.NotJson, null).ForLog().Should().Be("(not json)");
    }
}

using System.Text;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

public class ServerHelloTransportFixTests
{
    [Test]
    public void Websocket_hello_passes_untouched()
    {
        var hello = "{\"type\":\"hello\",  \"transport\" : \"websocket\",\"session_id\":\"s\",\"audio_params\":{\"sample_rate\":24000}}";
        ServerHelloTransportFix.Apply(Encoding.UTF8.GetBytes(hello)).Should().BeNull();
    }

    [Test]
    public void Other_transport_only_that_value_changes()
    {
        var hello = "{\"type\":\"hello\", \"transport\": \"udp\" ,\"audio_params\":{\"transport\":\"x\"}}";
        Encoding.UTF8.GetString(ServerHelloTransportFix.Apply(Encoding.UTF8.GetBytes(hello))!).Should()
            .Be("{\"type\":\"hello\", \"transport\": \"websocket\" ,\"audio_params\":{\"transport\":\"x\"}}");
    }

    [Test]
    public void Non_string_transport_is_replaced()
    {
        var hello = "{\"type\":\"hello\",\"transport\":{\"kind\":\"mqtt\"},\"v\":1}";
        Encoding.UTF8.GetString(ServerHelloTransportFix.Apply(Encoding.UTF8.GetBytes(hello))!).Should()
            .Be("{\"type\":\"hello\",\"transport\":\"websocket\",\"v\":1}");
    }

    [Test]
    public void Missing_transport_is_added_first()
    {
        var hello = "{\"type\":\"hello\",\"session_id\":\"s\"}";
        Encoding.UTF8.GetString(ServerHelloTransportFix.Apply(Encoding.UTF8.GetBytes(hello))!).Should()
            .Be("{\"transport\":\"websocket\",\"type\":\"hello\",\"session_id\":\"s\"}");
    }

    [Test]
    public void Not_json_is_left_alone() =>
        ServerHelloTransportFix.Apply("hello"u8).Should().BeNull();
}

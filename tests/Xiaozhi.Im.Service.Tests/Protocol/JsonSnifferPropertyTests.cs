using System.Text;
using System.Text.Json;
using CsCheck;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

/// <summary>The JSON type sniffer over generated inputs: it classifies, it never throws.</summary>
public sealed class JsonSnifferPropertyTests
{
    [Test]
    public void Arbitrary_bytes_are_classified_never_thrown_on()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var sniffed = JsonMessageTypeSniffer.Sniff(bytes);

            sniffed.Shape.Should().BeOneOf(JsonMessageShape.NotJson, JsonMessageShape.NoType, JsonMessageShape.TypeNotString, JsonMessageShape.Typed);
            (sniffed.Type is not null).Should().Be(sniffed.Shape == JsonMessageShape.Typed);
        });
    }

    [Test]
    public void Arbitrary_text_with_json_punctuation_is_classified_never_thrown_on()
    {
        var jsonish = Gen.Char['\0', '\u00ff'].Array[0, 80].Select(chars => new string(chars));
        Gen.Select(jsonish, Gen.OneOf("{", "{\"type\":", "[", "\"", "{\"type\":\"", "{\"a\":{\"type\":1}")).Sample((tail, head) =>
        {
            var act = () => JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(head + tail));

            act.Should().NotThrow();
        });
    }

    [Test]
    public void Objects_with_a_string_type_anywhere_among_other_members_are_typed_with_that_type()
    {
        var member = Gen.Select(Gen.String.AlphaNumeric, Gen.Int).Select((k, v) => (Key: "k" + k, Value: v));
        Gen.Select(Gen.String, member.Array[0, 6], Gen.Int[0, 6]).Sample((type, members, position) =>
        {
            var properties = members.Select(m => $"{JsonSerializer.Serialize(m.Key)}:{m.Value}").ToList();
            properties.Insert(Math.Min(position, properties.Count), $"\"type\":{JsonSerializer.Serialize(type)}");
            var json = "{" + string.Join(",", properties) + "}";

            var sniffed = JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json));

            sniffed.Shape.Should().Be(JsonMessageShape.Typed, json);
            sniffed.Type.Should().Be(type);
        });
    }
}

using System.Text;
using Xiaozhi.DeviceSim.Devices;

namespace Xiaozhi.DeviceSim.Tests.Devices;

/// <summary>What a simulated device reads from the server's text messages: their type and state, nothing else.</summary>
public sealed class ServerTextTests
{
    [TestCase("""{"type":"tts","state":"stop","session_id":"s"}""", "tts", "stop")]
    [TestCase("""{"session_id":"s","state":"start","type":"tts"}""", "tts", "start")]
    [TestCase("""{"type":"stt","text":"hi"}""", "stt", null)]
    [TestCase("""{"type":"hello","audio_params":{"type":"nested","state":"nested"},"transport":"websocket"}""", "hello", null)]
    [TestCase("""{"type":7,"state":["stop"]}""", null, null)]
    [TestCase("""[1,2]""", null, null)]
    public void Reads_the_top_level_type_and_state_strings(string json, string? type, string? state)
    {
        ServerText.TryRead(Encoding.UTF8.GetBytes(json), out var readType, out var readState).Should().BeTrue();

        (readType, readState).Should().Be((type, state));
    }

    [TestCase("ping, not json")]
    [TestCase("""{"type":"tts","state":""")]
    public void Non_json_text_is_not_a_server_message(string text) =>
        ServerText.TryRead(Encoding.UTF8.GetBytes(text), out _, out _).Should().BeFalse();
}

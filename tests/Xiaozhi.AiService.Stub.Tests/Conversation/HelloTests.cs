using System.Text;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class HelloTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Response_headers_arrive_before_the_client_sends_anything()
    {
        await using var stream = _host.Open();
        var headers = await stream.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(5));
        headers.Should().NotBeNull();
    }

    [Test]
    public async Task Opus_hello_is_answered_with_the_exact_server_hello()
    {
        await using var stream = _host.Open();
        await stream.SendTextAsync("""{"type":"hello","version":1,"transport":"websocket","features":{"mcp":false},"audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":60}}""");
        var response = await stream.NextAsync();
        Encoding.UTF8.GetString(response.ResponseData.Span).Should().Be(
            "{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\",\"session_id\":\"" + stream.SessionId +
            "\",\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}");
    }

    [Test]
    public async Task Pcm_hello_is_mirrored()
    {
        await using var stream = _host.Open();
        var hello = await stream.HelloAsync("pcm");
        hello.GetProperty("audio_params").Str("format").Should().Be("pcm");
        hello.GetProperty("audio_params").GetProperty("sample_rate").GetInt32().Should().Be(16000);
    }

    [TestCase("""{"type":"hello","features":{"mcp":false}}""")]
    [TestCase("""{"type":"hello"}""")]
    [TestCase("""{"type":"hello","audio_params":"weird","features":[]}""")]
    public async Task Minimal_browser_hello_gets_an_opus_hello(string hello)
    {
        await using var stream = _host.Open();
        await stream.SendTextAsync(hello);
        var answer = await stream.NextJsonAsync("hello");
        answer.Str("transport").Should().Be("websocket");
        answer.Str("session_id").Should().Be(stream.SessionId);
        answer.GetProperty("version").GetInt32().Should().Be(1);
        answer.GetProperty("audio_params").Str("format").Should().Be("opus");
        answer.GetProperty("audio_params").GetProperty("frame_duration").GetInt32().Should().Be(60);
        answer.GetProperty("audio_params").GetProperty("channels").GetInt32().Should().Be(1);
    }
}

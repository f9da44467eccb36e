using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Media;

public sealed class VisionAndImageTests
{
    private StubHost _host = null!;
    private DeviceStream _stream = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [SetUp]
    public async Task OpenAsync()
    {
        _stream = _host.Open();
        await _stream.HelloAsync();
    }

    [TearDown]
    public async Task CloseAsync() => await _stream.DisposeAsync();

    [TestCase("gen_pic")]
    [TestCase("gen_video")]
    [TestCase("read_img")]
    public async Task Known_vision_cmd_gets_an_acknowledging_turn(string cmd)
    {
        await _stream.SendTextAsync(Json.Of(new { type = "vision", cmd, @params = new { prompt = "a cat" } }));
        var turn = await _stream.ReadTurnAsync();
        turn.SttText.Should().Be($"vision {cmd}");
        turn.Sentence.Should().Contain(cmd).And.Contain("acknowledged");
    }

    [Test]
    public async Task Vision_without_cmd_is_a_999()
    {
        await _stream.SendTextAsync("""{"type":"vision","params":{}}""");
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("vision_missing_cmd");
        await VoiceTurnTests.PingBarrierAsync(_stream);
    }

    [Test]
    public async Task Unknown_vision_cmd_is_a_999_naming_it()
    {
        await _stream.SendTextAsync("""{"type":"vision","cmd":"paint_house"}""");
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("vision_unknown_cmd");
        error.ErrorMessage.Should().Contain("paint_house");
        await VoiceTurnTests.PingBarrierAsync(_stream);
    }

    [Test]
    public async Task Png_is_described_with_format_size_and_dimensions()
    {
        var png = TestImages.Png(1024, 768);
        await SendImageAsync(Convert.ToBase64String(png), "png", "what is this?");
        var turn = await _stream.ReadTurnAsync();
        turn.SttText.Should().Be("what is this?");
        turn.Sentence.Should().Contain("png").And.Contain($"{png.Length} bytes").And.Contain("1024x768");
    }

    [Test]
    public async Task Jpeg_dimensions_come_from_the_sof_marker()
    {
        var jpeg = TestImages.Jpeg(640, 480);
        await SendImageAsync(Convert.ToBase64String(jpeg), "jpeg");
        var turn = await _stream.ReadTurnAsync();
        turn.Sentence.Should().Contain("jpeg").And.Contain($"{jpeg.Length} bytes").And.Contain("640x480");
    }

    [Test]
    public async Task Gif_and_webp_are_accepted()
    {
        await SendImageAsync(Convert.ToBase64String(TestImages.Gif(3, 2)), "gif");
        (await _stream.ReadTurnAsync()).Sentence.Should().Contain("gif").And.Contain("3x2");
        await SendImageAsync(Convert.ToBase64String(TestImages.Webp()), "webp");
        (await _stream.ReadTurnAsync()).Sentence.Should().Contain("webp").And.Contain("16 bytes");
    }

    [Test]
    public async Task Wrong_magic_bytes_are_a_999()
    {
        await SendImageAsync(Convert.ToBase64String(TestImages.Jpeg(10, 10)), "png");
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("image_format_mismatch");
        error.ErrorMessage.Should().Contain("png").And.Contain("FFD8FF");
    }

    [Test]
    public async Task Jpeg_without_frame_header_is_a_999()
    {
        await SendImageAsync(Convert.ToBase64String(TestImages.Jpeg(10, 10, withFrameHeader: false)), "jpeg");
        (await _stream.NextErrorAsync()).ErrorCode.Should().Be("image_corrupt");
    }

    [Test]
    public async Task Image_over_10_MiB_decoded_is_a_999()
    {
        var big = new byte[(10 * 1024 * 1024) + 1];
        TestImages.Png(1, 1).CopyTo(big, 0);
        await SendImageAsync(Convert.ToBase64String(big), "png");
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("image_too_large");
        error.ErrorMessage.Should().Contain("10485760");
        await VoiceTurnTests.PingBarrierAsync(_stream);
    }

    [Test]
    public async Task Exactly_10_MiB_is_accepted()
    {
        var big = new byte[10 * 1024 * 1024];
        TestImages.Png(2, 2).CopyTo(big, 0);
        await SendImageAsync(Convert.ToBase64String(big), "png");
        (await _stream.ReadTurnAsync()).Sentence.Should().Contain("10485760 bytes");
    }

    [Test]
    public async Task Invalid_base64_is_a_999()
    {
        await SendImageAsync("this is *not* base64!", "png");
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("image_invalid_base64");
        error.ErrorMessage.Should().Contain("base64");
    }

    [Test]
    public async Task Data_url_prefix_is_a_999()
    {
        await SendImageAsync("data:image/png;base64," + Convert.ToBase64String(TestImages.Png(1, 1)), "png");
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("image_invalid_base64");
        error.ErrorMessage.Should().Contain("data:");
    }

    [Test]
    public async Task Image_url_is_refused_with_a_clear_999()
    {
        await _stream.SendTextAsync(Json.Of(new { type = "image", text = "look", image_data = new { url = "https://example.com/cat.png", format = "png" } }));
        var error = await _stream.NextErrorAsync();
        error.ErrorCode.Should().Be("image_url_not_supported");
        error.ErrorMessage.Should().Be("image URLs are not fetched by the stub");
    }

    [TestCase("""{"type":"image"}""", "image_missing_data")]
    [TestCase("""{"type":"image","image_data":{"format":"png"}}""", "image_missing_data")]
    [TestCase("""{"type":"image","image_data":{"data":"AAAA"}}""", "image_missing_format")]
    [TestCase("""{"type":"image","image_data":{"data":"AAAA","format":"bmp"}}""", "image_unsupported_format")]
    public async Task Incomplete_image_messages_are_999s(string message, string code)
    {
        await _stream.SendTextAsync(message);
        (await _stream.NextErrorAsync()).ErrorCode.Should().Be(code);
        await VoiceTurnTests.PingBarrierAsync(_stream);
    }

    private Task SendImageAsync(string data, string format, string text = "") =>
        _stream.SendTextAsync(Json.Of(new { type = "image", text, image_data = new { data, format } }));
}

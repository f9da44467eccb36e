using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

public sealed class VisionAndImageTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    [Test]
    public async Task Vision_command_gets_an_acknowledging_turn()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { type = "vision", cmd = "gen_pic", @params = new { prompt = "a cat" } });
        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));

        reply.JsonTypes.Should().NotContain("alert");
        reply.SentenceText.Should().Contain("gen_pic");
    }

    [Test]
    public async Task Vision_without_cmd_becomes_an_alert_and_the_session_goes_on()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();

        await device.SendJsonAsync(new { type = "vision", @params = new { } });
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();

        AssertAlert(alert, "cmd");
        (await device.ChatAsync("still here")).SttText.Should().Be("still here");
    }

    [TestCase(1024, 16, 9)]
    [TestCase(8 * 1024 * 1024, 4000, 3000)]
    public async Task Image_is_decoded_checked_and_described(int bytes, int width, int height)
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();
        var png = TestImages.Png(width, height, bytes);

        await device.SendJsonAsync(new { type = "image", text = "what is this?", image_data = new { data = Convert.ToBase64String(png), format = "png" } });
        var reply = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop", TimeSpan.FromSeconds(30)));

        reply.JsonTypes.Should().NotContain("alert");
        reply.SentenceText.Should().ContainAll("png", bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{width}", $"{height}");
    }

    [Test]
    public async Task Corrupt_image_becomes_an_alert_with_the_reason_and_the_session_goes_on()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();
        var notAPng = new byte[1024];
        new Random(3).NextBytes(notAPng);

        await device.SendJsonAsync(new { type = "image", image_data = new { data = Convert.ToBase64String(notAPng), format = "png" } });
        var alert = (await device.ReceiveUntilTypeAsync("alert")).Last();

        AssertAlert(alert, "png");
        (await device.ChatAsync("after image")).SttText.Should().Be("after image");
    }

    internal static void AssertAlert(DeviceFrame alert, string messageContains)
    {
        alert.Get("status").Should().Be("error");
        alert.Get("emotion").Should().Be("sad");
        alert.Get("message").Should().NotBeNullOrWhiteSpace().And.ContainEquivalentOf(messageContains);
    }
}

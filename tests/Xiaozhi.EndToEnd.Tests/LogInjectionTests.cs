using System.Net;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// Values a device writes (its token's <c>alg</c>, a message <c>type</c>, its ids) reach the logs as one line with their
/// control characters escaped, whatever logging provider writes them (the call sites escape; the file log escapes again).
/// </summary>
public sealed class LogInjectionTests
{
    private const string Forged = "\r\n[fake] line";
    private const string Escaped = @"\r\n[fake] line";

    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("reads the gateway's logs");

    [Test]
    public async Task A_forged_line_in_an_alg_a_type_or_a_device_id_is_logged_escaped_on_one_line()
    {
        var log = new RecordingLoggerProvider();
        var folder = Directory.CreateTempSubdirectory("xiaozhi-log-injection-");
        var file = Path.Combine(folder.FullName, "im.log");
        try
        {
            await using (var gateway = await Gateway.StartAsync(new GatewayOptions
            {
                ImLog = log,
                ImArgs = ["--Logging:LogLevel:Xiaozhi", "Debug", "--Logging:File:Path", file],
            }))
            {
                await using var bystander = await DeviceClient.ConnectAsync(gateway);
                await bystander.HelloAsync();

                var deviceId = DeviceIds.NewMac();
                var badAlg = TestTokens.SignWith(new { alg = Forged, typ = "JWT" }, TestTokens.ValidClaims(deviceId), _ => new byte[32]);
                (await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions { DeviceId = deviceId, Token = badAlg })).StatusCode
                    .Should().Be(HttpStatusCode.Unauthorized);

                var badId = await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions
                {
                    OmitDeviceIdHeader = true,
                    PathAndQuery = "/xiaozhi/v1/?device-id=" + Uri.EscapeDataString("aa" + Forged),
                });
                badId.StatusCode.Should().Be(HttpStatusCode.BadRequest, "an id must be printable ASCII, so it never reaches a log");

                await using var typed = await DeviceClient.ConnectAsync(gateway);
                await typed.HelloAsync();
                await typed.SendJsonAsync(new Dictionary<string, string> { ["type"] = Forged });
                await Eventually.Async(() => log.Entries.Should().Contain(e => e.EventId == 4201 && e.Message.Contains(Escaped, StringComparison.Ordinal)));

                (await typed.ChatAsync("after")).SttText.Should().Be("after", "the session goes on");
                (await bystander.ChatAsync("unaffected")).SttText.Should().Be("unaffected");
            }

            var ours = log.Entries.Where(e => e.Category.StartsWith("Xiaozhi", StringComparison.Ordinal)).ToList();
            ours.Should().Contain(e => e.EventId == 2002 && e.Message.Contains($"token algorithm '{Escaped}' is not allowed", StringComparison.Ordinal));
            ours.Should().NotContain(e => e.Message.Contains('\r') || e.Message.Contains('\n'), "no entry can start a line of its own");

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var lines = (await new StreamReader(stream).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Should().NotContain(l => l.StartsWith("[fake]", StringComparison.Ordinal));
            lines.Should().Contain(l => l.Contains($"token algorithm '{Escaped}'", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

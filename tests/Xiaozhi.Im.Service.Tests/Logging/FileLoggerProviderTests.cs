using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Logging;
using Xiaozhi.Im.Service.Tests.Host;

namespace Xiaozhi.Im.Service.Tests.Logging;

/// <summary>The file log's lines carry the scopes they were written in, so an operator can pick one session's lines.</summary>
[Parallelizable(ParallelScope.None)]
public sealed class FileLoggerProviderTests
{
    private DirectoryInfo _folder = null!;

    private string LogPath => Path.Combine(_folder.FullName, "logs", "im.log");

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("xiaozhi-file-log-");

    [TearDown]
    public void TearDown() => _folder.Delete(recursive: true);

    [Test]
    public void A_line_carries_every_scope_it_was_written_in_outermost_first()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 3, 0, 0, TimeSpan.Zero));
        using (var factory = LoggerFactory.Create(logging => logging.AddProvider(new FileLoggerProvider(LogPath, time))))
        {
            var logger = factory.CreateLogger("Xiaozhi.Test");
            logger.LogWarning(new EventId(7), "outside");
            using (logger.BeginScope(new Dictionary<string, object?> { ["SessionId"] = "s-1", ["DeviceId"] = "aa:bb" }))
            using (logger.BeginScope("turn {Turn} of {Mode}", 3, "manual"))
            {
                logger.LogWarning(new EventId(8), "inside");
            }

            logger.LogWarning(new EventId(9), "after");
        }

        File.ReadAllLines(LogPath).Should().Equal(
            "2026-12-04T03:00:00.0000000+00:00 Warning Xiaozhi.Test[7] outside",
            "2026-12-04T03:00:00.0000000+00:00 Warning Xiaozhi.Test[8] {SessionId=s-1, DeviceId=aa:bb} {Turn=3, Mode=manual} inside",
            "2026-12-04T03:00:00.0000000+00:00 Warning Xiaozhi.Test[9] after");
    }

    [Test]
    public void A_provider_used_without_a_factory_keeps_its_own_scopes()
    {
        using (var provider = new FileLoggerProvider(LogPath, TimeProvider.System))
        {
            var logger = provider.CreateLogger("Xiaozhi.Test");
            using (logger.BeginScope("plain scope"))
            {
                logger.LogError("inside");
            }
        }

        File.ReadAllLines(LogPath).Single().Should().EndWith(" Error Xiaozhi.Test[0] {plain scope} inside");
    }

    [Test]
    public void Control_characters_in_a_message_a_scope_or_an_exception_are_escaped_so_an_entry_stays_one_line()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 3, 0, 0, TimeSpan.Zero));
        using (var factory = LoggerFactory.Create(logging => logging.AddProvider(new FileLoggerProvider(LogPath, time))))
        {
            var logger = factory.CreateLogger("Xiaozhi.Test");
            using (logger.BeginScope(new Dictionary<string, object?> { ["DeviceId"] = "d\r\n[fake] scope" }))
            using (logger.BeginScope("plain\n[fake] scope"))
            {
                // A structured value with raw CR LF, as a call site that forgot LogText.Escape would pass it.
#pragma warning disable CA1848, CA2254 // the point is a raw value through the plain API
                logger.LogWarning(new EventId(10), new InvalidOperationException("boom\r\n[fake] exception"), "type {Type}", "\r\n[fake] line\u0085\u2028");
#pragma warning restore CA1848, CA2254
            }

            logger.LogWarning(new EventId(11), "next");
        }

        File.ReadAllLines(LogPath).Should().Equal(
            @"2026-12-04T03:00:00.0000000+00:00 Warning Xiaozhi.Test[10] {DeviceId=d\r\n[fake] scope} {plain\n[fake] scope} type \r\n[fake] line\u0085\u2028 InvalidOperationException: boom\r\n[fake] exception",
            "2026-12-04T03:00:00.0000000+00:00 Warning Xiaozhi.Test[11] next");
    }

    [Test]
    public async Task Each_sessions_file_lines_carry_its_session_id_and_device_id()
    {
        var (ai, address, _) = await FakeAiService.StartAsync();
        try
        {
            await using (var host = await ImHost.StartAsync(address, "--Logging:LogLevel:Default", "Information", "--" + FileLoggerProvider.PathKey, LogPath))
            {
                await using var first = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { DeviceId = "file-a", SessionId = "s-file-a" });
                await using var second = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { DeviceId = "file-b", SessionId = "s-file-b" });
                await first.SendTextAsync("a");
                (await first.ReceiveTextAsync()).Should().Be("a");
                await second.SendTextAsync("b");
                (await second.ReceiveTextAsync()).Should().Be("b");
            }

            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var lines = (await new StreamReader(stream).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var (device, session) in new[] { ("file-a", "s-file-a"), ("file-b", "s-file-b") })
            {
                var scope = $"SessionId={session}, DeviceId={device}";
                var started = lines.Where(l => l.Contains("Session started", StringComparison.Ordinal) && l.Contains(scope, StringComparison.Ordinal));
                var ended = lines.Where(l => l.Contains("Session ended", StringComparison.Ordinal) && l.Contains(scope, StringComparison.Ordinal));
                started.Should().ContainSingle($"the start of {session} is logged in its scope; the file has:\n{string.Join('\n', lines)}");
                ended.Should().ContainSingle($"the end of {session} is logged in its scope; the file has:\n{string.Join('\n', lines)}");
            }
        }
        finally
        {
            await ai.StopAsync();
            await ai.DisposeAsync();
        }
    }
}

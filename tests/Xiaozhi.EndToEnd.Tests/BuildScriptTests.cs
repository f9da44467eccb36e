using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// What a newcomer runs first: build.sh. The builds it starts are incremental over the suite's own (same
/// configuration): nothing is rewritten under the running tests.
/// </summary>
[NonParallelizable]
public sealed class BuildScriptTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan StartWithin = TimeSpan.FromMinutes(4);

    [Test]
    public async Task Build_sh_run_starts_both_and_prints_the_urls_a_token_and_the_lan_addresses()
    {
        var output = await RunVerbStartUpAsync("bash", ["build.sh", "run"]);
        output.Should().Contain("XIAOZHI_PUBLIC_HOST=<address> ./build.sh run hands one out");
    }

    /// <summary>The machine's non-loopback IPv4 addresses, as the scripts find them.</summary>
    private static List<string> LanAddresses() =>
    [
        .. NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a) && !a.ToString().StartsWith("169.254.", StringComparison.Ordinal))
            .Select(a => a.ToString()),
    ];

    private static Dictionary<string, string> ScriptEnvironment(params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["CONFIGURATION"] = Configuration, ["POWERSHELL_TELEMETRY_OPTOUT"] = "1", ["POWERSHELL_UPDATECHECK"] = "Off" };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>
    /// Runs a script's <c>run</c> verb on free loopback ports with XIAOZHI_PUBLIC_HOST unset, until it prints its
    /// summary; checks the summary and that the OTA it started hands out the loopback WebSocket URL; stops it.
    /// </summary>
    private static async Task<string> RunVerbStartUpAsync(string fileName, string[] arguments)
    {
        var (im, management, ai, ota) = (FreePort(), FreePort(), FreePort(), FreePort());
        var environment = ScriptEnvironment(
            ("XIAOZHI_IM_PORT", im.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_MANAGEMENT_PORT", management.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_AI_PORT", ai.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_OTA_PORT", ota.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_PUBLIC_HOST", string.Empty));
        using var run = ChildProgram.Start(fileName, arguments, RepositoryRoot.Path, environment);
        await run.WaitForOutputAsync("Press Ctrl+C to stop both.", StartWithin);
        var output = run.Output;

        output.Should().Contain($"ws://127.0.0.1:{im}/xiaozhi/v1/").And.Contain($"http://127.0.0.1:{ota}/xiaozhi/ota/")
            .And.Contain($"http://127.0.0.1:{management}/healthz").And.MatchRegex(@"Dev token \(7 days\) +ey[\w-]+\.[\w-]+\.[\w-]+");
        var lanLine = output.Split('\n').Single(l => l.TrimStart().StartsWith("LAN address(es)", StringComparison.Ordinal));
        var lan = LanAddresses();
        if (lan.Count == 0)
        {
            lanLine.Should().Contain("none found");
        }

        foreach (var address in lan)
        {
            lanLine.Should().Contain(address, "each LAN address is listed for XIAOZHI_PUBLIC_HOST");
        }

        // Loopback clients keep working: the OTA answers on loopback and hands out the loopback URL.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{ota}/xiaozhi/ota/") { Content = new StringContent("{}") };
        request.Headers.Add("Device-Id", "aa:bb:cc:dd:ee:01");
        using var response = await http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("websocket").GetProperty("url").GetString().Should().Be($"ws://127.0.0.1:{im}/xiaozhi/v1/");
        return output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

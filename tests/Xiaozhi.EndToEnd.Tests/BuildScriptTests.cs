using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Hosting;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// What a newcomer runs first: build.sh and its twin build.ps1 (PowerShell 7 from the repository's tool manifest).
/// The builds they start are incremental over the suite's own (same configuration): nothing is rewritten, so the
/// assemblies of the running tests stay as they are (checked).
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

    [Test]
    public async Task Build_ps1_run_starts_both_and_prints_the_urls_a_token_and_the_lan_addresses()
    {
        var output = await RunVerbStartUpAsync(ChildProcess.Dotnet, [.. Pwsh, "run"]);
        output.Should().Contain("XIAOZHI_PUBLIC_HOST=<address> ./build.ps1 run hands one out");
    }

    [Test]
    public async Task Build_sh_run_for_lan_boards_serves_the_ota_beyond_loopback_explicitly_and_warns()
    {
        // Issue 25 B7: the stub refuses a non-loopback OTA unless told; run tells it only with XIAOZHI_PUBLIC_HOST.
        var output = await RunVerbStartUpAsync("bash", ["build.sh", "run"], publicHost: "127.0.0.1");

        output.Should().Contain("(the OTA hands out 127.0.0.1, from XIAOZHI_PUBLIC_HOST)")
            .And.Contain("OtaExposureReport[402]").And.Contain("Ota:AllowNonLoopback=true");
    }

    [Test]
    public async Task Build_ps1_run_for_lan_boards_serves_the_ota_beyond_loopback_explicitly_and_warns()
    {
        var output = await RunVerbStartUpAsync(ChildProcess.Dotnet, [.. Pwsh, "run"], publicHost: "127.0.0.1");

        output.Should().Contain("(the OTA hands out 127.0.0.1, from XIAOZHI_PUBLIC_HOST)")
            .And.Contain("OtaExposureReport[402]").And.Contain("Ota:AllowNonLoopback=true");
    }

    [Test]
    public async Task Build_ps1_help_is_build_sh_help_word_for_word()
    {
        using var sh = await ChildProcess.RunAsync("bash", ["build.sh", "help"], RepositoryRoot.Path, TimeSpan.FromMinutes(1));
        using var ps = await ChildProcess.RunAsync(ChildProcess.Dotnet, [.. Pwsh, "help"], RepositoryRoot.Path, TimeSpan.FromMinutes(2), ScriptEnvironment());
        sh.ExitCode.Should().Be(0, sh.Output);
        ps.ExitCode.Should().Be(0, ps.Output);
        ps.Output.Should().Contain("Usage: ./build.ps1 <verb>");
        ps.Output.Replace("build.ps1", "build.sh", StringComparison.Ordinal).Trim().Should().Be(sh.Output.Trim(), "the twins have the same verbs and settings");
    }

    [Test]
    public async Task Build_ps1_build_builds_the_solution()
    {
        var inUse = typeof(BuildScriptTests).Assembly.Location;
        var before = File.GetLastWriteTimeUtc(inUse);
        using var ps = await ChildProcess.RunAsync(ChildProcess.Dotnet, [.. Pwsh, "build"], RepositoryRoot.Path, StartWithin, ScriptEnvironment());
        ps.ExitCode.Should().Be(0, ps.Output);
        ps.Output.Should().Contain("Build succeeded").And.Contain("0 Error(s)");
        File.GetLastWriteTimeUtc(inUse).Should().Be(before, "an up-to-date build rewrites nothing (output:\n{0})", ps.Output);
    }

    [Test]
    public async Task An_unknown_verb_is_exit_2_with_the_usage_in_both_twins()
    {
        using var sh = await ChildProcess.RunAsync("bash", ["build.sh", "nonsense"], RepositoryRoot.Path, TimeSpan.FromMinutes(1));
        using var ps = await ChildProcess.RunAsync(ChildProcess.Dotnet, [.. Pwsh, "nonsense"], RepositoryRoot.Path, TimeSpan.FromMinutes(2), ScriptEnvironment());
        foreach (var twin in new[] { sh, ps })
        {
            twin.ExitCode.Should().Be(2, twin.Output);
            twin.Output.Should().Contain("unknown verb: nonsense").And.Contain("Verbs:");
        }
    }

    /// <summary>pwsh from the tool manifest (.config/dotnet-tools.json), restored by ./build.sh test.</summary>
    internal static string[] Pwsh => ["tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-File", "build.ps1"];

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
    /// Runs a script's <c>run</c> verb on free ports with XIAOZHI_PUBLIC_HOST as given (unset by default), until it prints its
    /// summary; checks the summary and that the OTA it started hands out the loopback WebSocket URL; stops it.
    /// </summary>
    private static async Task<string> RunVerbStartUpAsync(string fileName, string[] arguments, string publicHost = "")
    {
        var (im, management, ai, ota) = (FreePort.Pick(), FreePort.Pick(), FreePort.Pick(), FreePort.Pick());
        var environment = ScriptEnvironment(
            ("XIAOZHI_IM_PORT", im.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_MANAGEMENT_PORT", management.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_AI_PORT", ai.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_OTA_PORT", ota.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("XIAOZHI_PUBLIC_HOST", publicHost));
        using var run = ChildProcess.Start(fileName, arguments, RepositoryRoot.Path, environment);
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
}

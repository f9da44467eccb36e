using System.Reflection;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// A stub in assistant mode (turns with paced TTS audio), its Release build on dotnet (JIT), with its fault API
/// (<c>POST /stub/faults/...</c> on its OTA port) switched by the balancing run. Killed on dispose.
/// </summary>
public sealed class FaultStub : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private FaultStub(string name, ChildProcess process, int port, int otaPort)
    {
        Name = name;
        Process = process;
        Port = port;
        OtaPort = otaPort;
    }

    /// <summary>The name in the figures (A, B).</summary>
    public string Name { get; }

    /// <summary>The stub's process.</summary>
    public ChildProcess Process { get; }

    /// <summary>Its gRPC port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Its OTA and fault API port.</summary>
    public int OtaPort { get; }

    /// <summary>The address the IM dials.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Starts stub <paramref name="name"/> with <paramref name="frames"/> TTS frames per turn and waits until both its ports listen.</summary>
    public static async Task<FaultStub> StartAsync(string name, int frames)
    {
        var metadata = typeof(FaultStub).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        var root = metadata.GetValueOrDefault("RepositoryRoot") ?? throw new InvalidOperationException("RepositoryRoot metadata missing.");
        var program = Path.Combine(root, "Xiaozhi.AiService.Stub", "bin", metadata.GetValueOrDefault("Configuration") ?? "Release", "net10.0", "Xiaozhi.AiService.Stub.dll");
        if (!File.Exists(program))
        {
            throw new InvalidOperationException($"The stub is not built: {program} (./build.sh bench builds it).");
        }

        var port = FreePort.Pick();
        var ota = FreePort.Pick();
        var process = ChildProcess.Start($"stub {name}", program,
        [
            "--urls", $"http://127.0.0.1:{port}", "--Ota:Urls", $"http://127.0.0.1:{ota}",
            "--Stub:Mode", "assistant", "--Stub:SyntheticFrames", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Stub:MaxRecordedRequestsPerSession", "0",
            "--Logging:LogLevel:Default", "Warning",
        ], null);
        var stub = new FaultStub(name, process, port, ota);
        if (!await FreePort.WaitListeningAsync(port, TimeSpan.FromSeconds(60)).ConfigureAwait(false)
            || !await FreePort.WaitListeningAsync(ota, TimeSpan.FromSeconds(30)).ConfigureAwait(false))
        {
            stub.Dispose();
            throw new InvalidOperationException($"stub {name} did not listen within 60 s:\n" + process.Tail());
        }

        return stub;
    }

    /// <summary>POSTs a fault switch, e.g. <c>delay?ms=300</c>; throws unless the stub accepted it.</summary>
    public async Task FaultAsync(string pathAndQuery)
    {
        using var response = await Http.PostAsync(new Uri($"http://127.0.0.1:{OtaPort}/stub/faults/{pathAndQuery}"), null).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"stub {Name}: POST /stub/faults/{pathAndQuery} answered {(int)response.StatusCode}");
        }
    }

    /// <summary>Every fault off.</summary>
    public async Task ClearAsync()
    {
        await FaultAsync("delay?ms=0").ConfigureAwait(false);
        await FaultAsync("capacity?turns=0").ConfigureAwait(false);
        await FaultAsync("fail-turns?every=0").ConfigureAwait(false);
        await FaultAsync("draining?on=false").ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => Process.Dispose();
}

using System.Diagnostics;
using System.Net.WebSockets;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>
/// An IM node in its own process (<c>dotnet Xiaozhi.Im.Service.dll</c>), so a test can SIGKILL it: no drain, no
/// release, no goodbye to Redis — a crash.
/// </summary>
internal sealed class ChildImNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _contentRoot;

    private ChildImNode(Process process, DirectoryInfo contentRoot, Uri deviceUrl)
    {
        _process = process;
        _contentRoot = contentRoot;
        DeviceUrl = deviceUrl;
    }

    public Uri DeviceUrl { get; }

    public static async Task<ChildImNode> StartAsync(Uri aiEndpoint, string jwtSecret, IEnumerable<string> args)
    {
        var dll = typeof(ImApplication).Assembly.Location;
        if (!File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new AssertionException($"{dll} has no runtimeconfig beside it: build Xiaozhi.Im.Service first");
        }

        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-e2e-node-");
        var port = FreeTcpPort.Next();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            dll, "--contentRoot", contentRoot.FullName, "--urls", $"http://127.0.0.1:{port}", "--Ai:Endpoints:0", aiEndpoint.ToString(),
            "--Management:Urls", "http://127.0.0.1:0", "--Auth:JwtSecret", jwtSecret, "--Logging:LogLevel:Default", "Warning",
            "--Admission:PerIpConnectionBurst", "100000", "--Admission:PerIpConcurrentConnections", "100000",
        }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new ChildImNode(process, contentRoot, new Uri($"ws://127.0.0.1:{port}/xiaozhi/v1/"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return node;
            }
            catch (System.Net.Sockets.SocketException) when (!process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            catch (System.Net.Sockets.SocketException)
            {
                await node.DisposeAsync();
                throw new AssertionException($"the child IM node did not listen on {port}: {string.Join(Environment.NewLine, output)}");
            }
        }
    }

    /// <summary>Dials as a device (the same headers <see cref="DeviceClient"/> sends); the socket is the test's.</summary>
    public async Task<ClientWebSocket> ConnectDeviceAsync(string jwtSecret, string deviceId, string sessionId)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + TestTokens.For(jwtSecret, deviceId));
        socket.Options.SetRequestHeader("Device-Id", deviceId);
        socket.Options.SetRequestHeader("Client-Id", Guid.NewGuid().ToString());
        socket.Options.SetRequestHeader("Session-Id", sessionId);
        using var timeout = new CancellationTokenSource(DeviceClient.DefaultTimeout);
        await socket.ConnectAsync(DeviceUrl, timeout.Token);
        return socket;
    }

    /// <summary>SIGKILL: the process dies holding its device keys and its Redis connections (the kernel closes them).</summary>
    public async Task KillAsync()
    {
        PosixSignal.Send(_process.Id, PosixSignal.Kill);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            _contentRoot.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

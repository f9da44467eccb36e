using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.DeviceSim.Auth;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// Devices that come and go as real ones do: connect, hello, 2-4 chat turns 0.3-0.8 s apart, close, away 1-3 s, back
/// (seeded per device, so both policies get the same load). Each turn is kept with the case current when it was sent;
/// closes by the gateway are counted by case too. Stops when disposed.
/// </summary>
public sealed class BalanceLoad : IAsyncDisposable
{
    private static readonly TimeSpan TurnLimit = TimeSpan.FromSeconds(10);
    private readonly ConcurrentQueue<BalanceTurn> _turns = new();
    private readonly ConcurrentDictionary<string, int> _closes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _connectFailures = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _devices;
    private volatile string _case = "warm-up";

    private BalanceLoad(Uri url, int devices)
    {
        _devices = Enumerable.Range(0, devices).Select(i => Task.Run(() => DeviceAsync(url, i))).ToArray();
    }

    /// <summary>The case turns are counted under from now on.</summary>
    public string Case
    {
        get => _case;
        set => _case = value;
    }

    /// <summary>Starts <paramref name="devices"/> devices against <paramref name="url"/>.</summary>
    public static BalanceLoad Start(Uri url, int devices) => new(url, devices);

    /// <summary>The turns sent in <paramref name="caseName"/> that have ended.</summary>
    public IReadOnlyList<BalanceTurn> TurnsOf(string caseName) => _turns.Where(t => t.Case == caseName).ToList();

    /// <summary>WebSockets the gateway closed during <paramref name="caseName"/> (outside a turn too).</summary>
    public int ClosesIn(string caseName) => _closes.GetValueOrDefault(caseName);

    /// <summary>Connects or hellos that failed during <paramref name="caseName"/>.</summary>
    public int ConnectFailuresIn(string caseName) => _connectFailures.GetValueOrDefault(caseName);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_devices).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task DeviceAsync(Uri url, int index)
    {
        var random = new Random(index);
        var deviceId = $"bal-{index:D5}";
        var token = DeviceTokens.Mint(BenchTopology.Secret, deviceId, 1, TimeSpan.FromHours(1));
        // Spread the first connects over a second, as a fleet that was already running would be.
        await PauseAsync(TimeSpan.FromMilliseconds(random.Next(0, 1000))).ConfigureAwait(false);
        while (!_stop.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            socket.Options.SetRequestHeader("Device-Id", deviceId);
            socket.Options.SetRequestHeader("Client-Id", deviceId);
            try
            {
                using var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                connectLimit.CancelAfter(TurnLimit);
                await socket.ConnectAsync(url, connectLimit.Token).ConfigureAwait(false);
                await SendAsync(socket, """{"type":"hello","version":1,"transport":"websocket","audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":60}}""", connectLimit.Token).ConfigureAwait(false);
                while (await ReceiveTextAsync(socket, connectLimit.Token).ConfigureAwait(false) is { } text && !IsType(text, "hello"))
                {
                }

                if (socket.State != WebSocketState.Open)
                {
                    throw new WebSocketException("closed before hello");
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                _connectFailures.AddOrUpdate(_case, 1, (_, n) => n + 1);
                await PauseAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                continue;
            }

            var turns = random.Next(2, 5);
            for (var t = 0; t < turns && !_stop.IsCancellationRequested && socket.State == WebSocketState.Open; t++)
            {
                var turn = await TurnAsync(socket).ConfigureAwait(false);
                if (turn is null)
                {
                    break; // stopping
                }

                _turns.Enqueue(turn);
                if (turn.End == BalanceTurnEnd.Closed)
                {
                    _closes.AddOrUpdate(turn.Case, 1, (_, n) => n + 1);
                    break;
                }

                await PauseAsync(TimeSpan.FromMilliseconds(random.Next(300, 800))).ConfigureAwait(false);
            }

            if (socket.State == WebSocketState.Open)
            {
                try
                {
                    using var closeLimit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "away", closeLimit.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                }
            }

            await PauseAsync(TimeSpan.FromMilliseconds(random.Next(1000, 3000))).ConfigureAwait(false);
        }
    }

    // One chat turn; null when the run stopped during it.
    private async Task<BalanceTurn?> TurnAsync(ClientWebSocket socket)
    {
        var caseName = _case;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(TurnLimit);
        var clock = Stopwatch.StartNew();
        double? firstAudio = null;
        try
        {
            await SendAsync(socket, """{"type":"chat","text":"what is the weather"}""", limit.Token).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            var text = new StringBuilder();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, limit.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new BalanceTurn(caseName, firstAudio, clock.Elapsed.TotalMilliseconds, BalanceTurnEnd.Closed);
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    firstAudio ??= clock.Elapsed.TotalMilliseconds;
                    continue;
                }

                text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var message = text.ToString();
                text.Clear();
                if (IsType(message, "alert"))
                {
                    return new BalanceTurn(caseName, firstAudio, clock.Elapsed.TotalMilliseconds, BalanceTurnEnd.Alert);
                }

                if (IsType(message, "tts") && message.Contains("\"stop\"", StringComparison.Ordinal))
                {
                    return new BalanceTurn(caseName, firstAudio, clock.Elapsed.TotalMilliseconds, BalanceTurnEnd.Stopped);
                }
            }
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return new BalanceTurn(caseName, firstAudio, clock.Elapsed.TotalMilliseconds, BalanceTurnEnd.TimedOut);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (WebSocketException)
        {
            return _stop.IsCancellationRequested ? null : new BalanceTurn(caseName, firstAudio, clock.Elapsed.TotalMilliseconds, BalanceTurnEnd.Closed);
        }
    }

    private static bool IsType(string json, string type)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Task SendAsync(ClientWebSocket socket, string json, CancellationToken token) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, token);

    private static async Task<string?> ReceiveTextAsync(ClientWebSocket socket, CancellationToken token)
    {
        var buffer = new byte[16 * 1024];
        var text = new StringBuilder();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, token).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            if (result.MessageType == WebSocketMessageType.Text)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                if (result.EndOfMessage)
                {
                    return text.ToString();
                }
            }
        }
    }

    private async Task PauseAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

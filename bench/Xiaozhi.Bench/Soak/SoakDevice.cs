using System.Globalization;
using System.Net.WebSockets;
using Xiaozhi.DeviceSim.Auth;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// One device of the soak, as boards behave: connects through the balancer, says hello, talks (chat and voice turns
/// with idle gaps between them), then leaves — closing, or abandoning the socket as a board that lost power does —
/// and comes back; a connection the server ends is reconnected after a short back-off. Its choices come from a
/// seeded <see cref="Random"/>; everything it sees goes to its <see cref="DeviceHistory"/>.
/// </summary>
internal sealed class SoakDevice(SoakDeviceSettings settings, int index)
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(5);

    // The firmware gives up on a hello after 10 s (protocol.md §2).
    private static readonly TimeSpan HelloLimit = TimeSpan.FromSeconds(10);

    // Longer than any turn plus a session move: past it, the turn is lost and the device walks away.
    private static readonly TimeSpan TurnLimit = TimeSpan.FromSeconds(15);

    private readonly Random _random = new(HashCode.Combine(settings.Seed, index));
    private readonly DeviceHistory _history = settings.History.Device(DeviceIdOf(index));
    private readonly List<SoakConnection> _abandoned = [];
    private readonly List<Task> _lookups = [];
    private int _turns;

    public string DeviceId => _history.DeviceId;

    public static string DeviceIdOf(int index) => $"soak-{index:D4}";

    /// <summary>Runs until <paramref name="stop"/>; a turn in progress then finishes, and the device closes.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(0, 2000)), stop).ConfigureAwait(false);
        while (!stop.IsCancellationRequested)
        {
            var connection = await ConnectAsync(stop).ConfigureAwait(false);
            if (connection is null)
            {
                break;
            }

            var leave = await TalkAsync(connection, stop).ConfigureAwait(false);
            switch (leave)
            {
                case SoakLeave.Close:
                    await connection.CloseAsync("away").ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(500, 3000)), stop).ConfigureAwait(false);
                    break;
                case SoakLeave.Abandon:
                    _history.Append(new Abandoned(settings.Now(), connection.Number));
                    _abandoned.Add(connection);
                    // A board's reboot is quick: the server meets the new connection while the old one still looks alive.
                    await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(0, 300)), stop).ConfigureAwait(false);
                    break;
                case SoakLeave.ServerEnded:
                    await connection.DisposeAsync().ConfigureAwait(false);
                    await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(100, 500)), stop).ConfigureAwait(false);
                    break;
                case SoakLeave.Stop:
                    await connection.CloseAsync("run over").ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Waits for the node look-ups still running, then drops the abandoned sockets the server never closed.</summary>
    public async Task FinishAsync()
    {
        await Task.WhenAll(_lookups).ConfigureAwait(false);
        foreach (var connection in _abandoned)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<SoakConnection?> ConnectAsync(CancellationToken stop)
    {
        var token = DeviceTokens.Mint(settings.Secret, DeviceId, 1, TimeSpan.FromHours(24));
        while (!stop.IsCancellationRequested)
        {
            var number = _history.NextConnection();
            var sessionId = $"{DeviceId}-{number.ToString(CultureInfo.InvariantCulture)}";
            var headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Authorization"] = "Bearer " + token,
                ["Device-Id"] = DeviceId,
                ["Client-Id"] = DeviceId,
                // A session id of the device's choosing: the cluster's device key names it with its node.
                ["Session-Id"] = sessionId,
            };
            var attempt = settings.Now();
            _history.Append(new ConnectAttempt(attempt, number));
            SoakConnection connection;
            try
            {
                // Not cut short by the stop: an attempt given up by the driver would read as a hello never answered.
                using var limit = new CancellationTokenSource(ConnectLimit);
                connection = await SoakConnection.ConnectAsync(settings.Url, headers, _history, number, settings.Now, limit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
            {
                if (stop.IsCancellationRequested)
                {
                    return null;
                }

                _history.Append(new ConnectFailed(settings.Now(), number, Describe(ex)));
                await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(100, 400)), stop).ConfigureAwait(false);
                continue;
            }

            var connected = settings.Now();
            _lookups.Add(RecordConnectedAsync(connected, number, sessionId));
            try
            {
                _history.Append(new HelloSent(settings.Now(), number));
                await connection.SendTextAsync(
                    """{"type":"hello","version":1,"transport":"websocket","features":{"mcp":false},"audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":60}}""",
                    CancellationToken.None).ConfigureAwait(false);
                await connection.Hello.WaitAsync(HelloLimit, CancellationToken.None).ConfigureAwait(false);
                return connection;
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                if (ex is TimeoutException)
                {
                    // Unanswered: the device gives up on this socket as the firmware does, without a close frame.
                    _history.Append(new ConnectFailed(settings.Now(), number, "no hello within 10 s"));
                }

                await connection.DisposeAsync().ConfigureAwait(false);
                await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(100, 400)), stop).ConfigureAwait(false);
            }
        }

        return null;
    }

    // The device cannot see its node; the cluster's device key names it (and the session id the device chose).
    private async Task RecordConnectedAsync(TimeSpan at, int number, string sessionId)
    {
        var node = await settings.LookupNode(DeviceId, sessionId).ConfigureAwait(false);
        _history.Append(new Connected(at, number, node ?? "unknown", sessionId));
    }

    private async Task<SoakLeave> TalkAsync(SoakConnection connection, CancellationToken stop)
    {
        var turns = _random.Next(1, 5);
        for (var t = 0; t < turns; t++)
        {
            if (stop.IsCancellationRequested)
            {
                return SoakLeave.Stop;
            }

            if (connection.Ended.IsCompleted)
            {
                return SoakLeave.ServerEnded;
            }

            var completed = await TurnAsync(connection, voice: _random.Next(2) == 0).ConfigureAwait(false);
            if (connection.Ended.IsCompleted)
            {
                return SoakLeave.ServerEnded;
            }

            if (!completed)
            {
                // Told (an alert) or unanswered: start over on a new connection, as the firmware does.
                return SoakLeave.Close;
            }

            // Idle gaps: mostly short, sometimes a long quiet spell.
            var gap = _random.Next(10) == 0 ? _random.Next(4000, 8000) : _random.Next(300, 2000);
            await Task.WhenAny(connection.Ended, PauseAsync(TimeSpan.FromMilliseconds(gap), stop)).ConfigureAwait(false);
        }

        if (stop.IsCancellationRequested)
        {
            return SoakLeave.Stop;
        }

        return connection.Ended.IsCompleted ? SoakLeave.ServerEnded : _random.Next(4) == 0 ? SoakLeave.Abandon : SoakLeave.Close;
    }

    /// <summary>A chat turn, or a voice turn (manual listen) whose frames the stub plays back byte for byte.</summary>
    private async Task<bool> TurnAsync(SoakConnection connection, bool voice)
    {
        var turn = ++_turns;
        var frames = voice ? VoiceFrames() : [];
        var expected = voice ? SoakAnswer.Hash(frames) : SoakAnswer.ChatAudioHash;
        try
        {
            if (!voice)
            {
                _history.Append(new TurnStarted(settings.Now(), connection.Number, turn, SoakAnswer.TextTypes, expected));
                var answered = connection.BeginTurn(turn);
                await connection.SendTextAsync($$"""{"type":"chat","text":"soak turn {{turn}}"}""", CancellationToken.None).ConfigureAwait(false);
                return await answered.WaitAsync(TurnLimit).ConfigureAwait(false);
            }

            await connection.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""", CancellationToken.None).ConfigureAwait(false);
            foreach (var frame in frames)
            {
                await connection.SendBinaryAsync(frame, CancellationToken.None).ConfigureAwait(false);
            }

            // The turn starts with listen stop: nothing is answered before it.
            _history.Append(new TurnStarted(settings.Now(), connection.Number, turn, SoakAnswer.TextTypes, expected));
            var heard = connection.BeginTurn(turn);
            await connection.SendTextAsync("""{"type":"listen","state":"stop"}""", CancellationToken.None).ConfigureAwait(false);
            return await heard.WaitAsync(TurnLimit).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    // 4-12 frames of 20-160 random bytes: each voice turn's audio is its own, so a frame from another turn shows.
    private List<byte[]> VoiceFrames()
    {
        var frames = new List<byte[]>();
        for (var i = _random.Next(4, 13); i > 0; i--)
        {
            var frame = new byte[_random.Next(20, 161)];
            _random.NextBytes(frame);
            frames.Add(frame);
        }

        return frames;
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "no upgrade within 5 s",
        WebSocketException { InnerException: HttpRequestException inner } => inner.Message,
        _ => ex.InnerException?.Message ?? ex.Message,
    };

    private async Task PauseAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, settings.Time, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// One WebSocket of a soak device and its reader, which appends what arrives to the device's history: the hello, each
/// frame of the current turn, alerts, and how the connection ended. The reader runs until the server closes the
/// socket or the run disposes it, also after the device abandoned it (so the server's close of it is recorded).
/// </summary>
internal sealed class SoakConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly DeviceHistory _history;
    private readonly Func<TimeSpan> _now;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _send = new(1, 1);
    private Task _reader = Task.CompletedTask;
    private int _turn;
    private IncrementalHash? _audio;
    private TaskCompletionSource<bool>? _turnEnded;
    private volatile bool _disposing;

    private SoakConnection(ClientWebSocket socket, DeviceHistory history, int number, Func<TimeSpan> now)
    {
        _socket = socket;
        _history = history;
        Number = number;
        _now = now;
    }

    public int Number { get; }

    /// <summary>Completes when the connection ended (a close frame, a reset, or the run disposing it).</summary>
    public Task Ended => _closed.Task;

    /// <summary>Completes when the server hello arrived.</summary>
    public Task Hello => _hello.Task;

    /// <summary>Upgrades through <paramref name="url"/>; the reader starts at once. Throws what the upgrade threw.</summary>
    public static async Task<SoakConnection> ConnectAsync(
        Uri url, IReadOnlyDictionary<string, string> headers, DeviceHistory history, int number, Func<TimeSpan> now, CancellationToken token)
    {
        var socket = new ClientWebSocket();
        // The gateway pings; the device answers them and never pings itself (as the firmware).
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        foreach (var (name, value) in headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        try
        {
            await socket.ConnectAsync(url, token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SoakConnection(socket, history, number, now);
        connection._reader = Task.Run(connection.ReadAsync, CancellationToken.None);
        return connection;
    }

    public Task SendTextAsync(string json, CancellationToken token) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, token);

    public Task SendBinaryAsync(byte[] frame, CancellationToken token) => SendAsync(frame, WebSocketMessageType.Binary, token);

    /// <summary>
    /// Marks <paramref name="turn"/> as the one answers belong to, from now on; the returned task completes true when
    /// its <c>tts stop</c> arrived, false when an alert or the end of the connection came first.
    /// </summary>
    public Task<bool> BeginTurn(int turn)
    {
        lock (_lock)
        {
            _turnEnded?.TrySetResult(false);
            _turn = turn;
            _audio?.Dispose();
            _audio = SoakAnswer.Start();
            _turnEnded = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_closed.Task.IsCompleted)
            {
                _turnEnded.TrySetResult(false);
            }

            return _turnEnded.Task;
        }
    }

    /// <summary>A normal close (1000) by the device, bounded; the reader records the server's answer.</summary>
    public async Task CloseAsync(string reason)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _send.WaitAsync(limit.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, limit.Token).ConfigureAwait(false);
            }
            finally
            {
                _send.Release();
            }

            await _closed.Task.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Drops the socket without a close frame; nothing more is recorded for it (the run is over).</summary>
    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _socket.Abort();
        await _reader.ConfigureAwait(false);
        _socket.Dispose();
        _send.Dispose();
        lock (_lock)
        {
            _audio?.Dispose();
        }
    }

    private async Task SendAsync(byte[] data, WebSocketMessageType type, CancellationToken token)
    {
        await _send.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(data, type, true, token).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        int? code = null;
        var reason = string.Empty;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    code = (int?)result.CloseStatus;
                    reason = result.CloseStatusDescription ?? string.Empty;
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var at = _now();
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    OnAudio(at, message.ToArray());
                }
                else
                {
                    OnText(at, message.GetBuffer().AsSpan(0, (int)message.Length));
                }

                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A reset, or the socket ended under us: no close frame.
        }

        if (!_disposing)
        {
            _history.Append(new Closed(_now(), Number, code, reason));
        }

        lock (_lock)
        {
            _turnEnded?.TrySetResult(false);
        }

        _hello.TrySetException(new WebSocketException($"closed before the hello ({(code is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no close frame")} {reason})".TrimEnd()));
        _closed.TrySetResult();
    }

    private void OnAudio(TimeSpan at, byte[] frame)
    {
        lock (_lock)
        {
            if (_turn == 0 || _audio is null)
            {
                return;
            }

            SoakAnswer.Add(_audio, frame);
            _history.Append(AnswerFrame.Audio(at, Number, _turn, frame.Length));
        }
    }

    private void OnText(TimeSpan at, ReadOnlySpan<byte> json)
    {
        string? type = null;
        string? state = null;
        string? alert = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                type = Text(root, "type");
                state = Text(root, "state");
                alert = type == "alert" ? Text(root, "message") ?? Text(root, "status") ?? string.Empty : null;
            }
        }
        catch (JsonException)
        {
            return;
        }

        if (type == "hello" && !_hello.Task.IsCompleted)
        {
            _history.Append(new HelloAnswered(at, Number));
            _hello.TrySetResult();
            return;
        }

        lock (_lock)
        {
            if (alert is not null)
            {
                _history.Append(new AlertReceived(at, Number, alert));
                _turnEnded?.TrySetResult(false);
                return;
            }

            if (_turn == 0 || type is not ("stt" or "llm" or "tts"))
            {
                return;
            }

            _history.Append(AnswerFrame.Text(at, Number, _turn, type));
            if (type == "tts" && state == "stop" && _audio is not null)
            {
                _history.Append(new TurnCompleted(at, Number, _turn, SoakAnswer.Finish(_audio)));
                _turn = 0;
                _turnEnded?.TrySetResult(true);
            }
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Xiaozhi.Testing.Auth;

namespace Xiaozhi.Testing.Devices;

/// <summary>
/// A simulated device: a real <see cref="ClientWebSocket"/> with the headers firmware sends. A background reader
/// moves whole messages into a bounded channel so tests can wait with timeouts without aborting the socket.
/// </summary>
public sealed class DeviceClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly Channel<DeviceFrame> _frames = Channel.CreateBounded<DeviceFrame>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
    private readonly Task _reader;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private DeviceClient(ClientWebSocket socket, DeviceConnectOptions options)
    {
        _socket = socket;
        Options = options;
        _reader = Task.Run(ReadLoopAsync);
    }

    public DeviceConnectOptions Options { get; }

    public string DeviceId => Options.DeviceId;

    /// <summary>Set once the gateway closed the WebSocket.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    public WebSocketState State => _socket.State;

    /// <summary>Dials and expects the upgrade to succeed.</summary>
    public static async Task<DeviceClient> ConnectAsync(IDeviceEndpoint gateway, DeviceConnectOptions? options = null)
    {
        options ??= new DeviceConnectOptions();
        var (socket, refusal) = await DialAsync(gateway, options);
        if (refusal is not null)
        {
            throw new AssertionException($"upgrade refused: {(int)refusal.StatusCode} {refusal.Body}");
        }

        return new DeviceClient(socket!, options);
    }

    /// <summary>Dials a bare socket (nothing reads it unless the test does), e.g. a device that stops reading.</summary>
    public static async Task<ClientWebSocket> ConnectRawAsync(IDeviceEndpoint gateway, DeviceConnectOptions? options = null)
    {
        var (socket, refusal) = await DialAsync(gateway, options ?? new DeviceConnectOptions());
        return socket ?? throw new AssertionException($"upgrade refused: {(int)refusal!.StatusCode} {refusal.Body}");
    }

    /// <summary>Dials and expects the gateway to refuse the upgrade; returns its answer.</summary>
    public static async Task<HandshakeRefusal> ExpectRefusalAsync(IDeviceEndpoint gateway, DeviceConnectOptions options)
    {
        var (socket, refusal) = await DialAsync(gateway, options);
        if (socket is not null)
        {
            await new DeviceClient(socket, options).DisposeAsync();
            throw new AssertionException("the gateway upgraded a connection it should have refused");
        }

        return refusal!;
    }

    private static async Task<(ClientWebSocket? Socket, HandshakeRefusal? Refusal)> DialAsync(IDeviceEndpoint gateway, DeviceConnectOptions options)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (!options.OmitAuthorization)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + (options.Token ?? TestTokens.For(gateway.JwtSecret, options.DeviceId)));
        }

        if (!options.OmitDeviceIdHeader)
        {
            socket.Options.SetRequestHeader("Device-Id", options.DeviceId);
        }

        socket.Options.SetRequestHeader("Client-Id", options.ClientId);
        if (options.ProtocolVersion is { } version)
        {
            socket.Options.SetRequestHeader("Protocol-Version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (options.SessionId is { } sessionId)
        {
            socket.Options.SetRequestHeader("Session-Id", sessionId);
        }

        foreach (var (name, value) in options.ExtraHeaders)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        var uri = options.PathAndQuery is null ? gateway.DeviceUrl : gateway.WithPath(options.PathAndQuery);
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        try
        {
            if (options.LocalAddress is { } local)
            {
                // Not disposed here: the upgraded connection leaves the handler's pool and lives with the socket.
                await socket.ConnectAsync(uri, new HttpMessageInvoker(BoundHandler(local)), timeout.Token);
            }
            else
            {
                await socket.ConnectAsync(uri, timeout.Token);
            }
            return (socket, null);
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0 && socket.HttpStatusCode != HttpStatusCode.SwitchingProtocols)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            // ClientWebSocket does not expose the body of a refused upgrade; fetch the same request over HTTP for the reason.
            var body = await ReadRefusalBodyAsync(uri, options, gateway);
            return (null, new HandshakeRefusal(status, body));
        }
    }

    private static SocketsHttpHandler BoundHandler(IPAddress local) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var tcp = new System.Net.Sockets.Socket(local.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(local, 0));
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(tcp, ownsSocket: true);
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        },
    };

    private static async Task<string> ReadRefusalBodyAsync(Uri uri, DeviceConnectOptions options, IDeviceEndpoint gateway)
    {
        using var http = new HttpClient { Timeout = DefaultTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(uri) { Scheme = uri.Scheme == "wss" ? "https" : "http" }.Uri);
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        if (!options.OmitAuthorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + (options.Token ?? TestTokens.For(gateway.JwtSecret, options.DeviceId)));
        }

        if (!options.OmitDeviceIdHeader)
        {
            request.Headers.TryAddWithoutValidation("Device-Id", options.DeviceId);
        }

        request.Headers.TryAddWithoutValidation("Client-Id", options.ClientId);
        if (options.ProtocolVersion is { } version)
        {
            request.Headers.TryAddWithoutValidation("Protocol-Version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return response.StatusCode == HttpStatusCode.SwitchingProtocols ? string.Empty : await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public Task SendJsonAsync(object message) => SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text);

    public Task SendBinaryAsync(byte[] data) => SendAsync(data, WebSocketMessageType.Binary);

    public async Task SendAsync(byte[] data, WebSocketMessageType kind)
    {
        await _sendLock.WaitAsync();
        try
        {
            using var timeout = new CancellationTokenSource(DefaultTimeout);
            await _socket.SendAsync(data, kind, endOfMessage: true, timeout.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The next frame; fails the test on timeout or when the gateway closed the socket.</summary>
    public async Task<DeviceFrame> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (await _frames.Reader.WaitToReadAsync(cts.Token) && _frames.Reader.TryRead(out var frame))
            {
                return frame;
            }
        }
        catch (OperationCanceledException)
        {
            throw new AssertionException($"no frame within {timeout ?? DefaultTimeout} (device {DeviceId})");
        }

        throw new AssertionException($"the gateway closed the connection: {CloseStatus} {CloseDescription}");
    }

    /// <summary>The next frame, which must be text; returns the text.</summary>
    public async Task<string> ReceiveTextAsync(TimeSpan? timeout = null)
    {
        var frame = await ReceiveAsync(timeout);
        return frame.IsText ? frame.Text : throw new AssertionException($"expected a text frame, got {frame}");
    }

    /// <summary>Receives frames until one matches; returns all of them, the match last.</summary>
    public async Task<List<DeviceFrame>> ReceiveUntilAsync(Func<DeviceFrame, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var frames = new List<DeviceFrame>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new AssertionException($"no matching frame within {timeout ?? DefaultTimeout}; got: {string.Join(" | ", frames.Take(20))}");
            }

            var frame = await ReceiveAsync(left);
            frames.Add(frame);
            if (match(frame))
            {
                return frames;
            }
        }
    }

    /// <summary>Receives until a JSON frame of that type (and optional tts state).</summary>
    public Task<List<DeviceFrame>> ReceiveUntilTypeAsync(string type, string? state = null, TimeSpan? timeout = null) =>
        ReceiveUntilAsync(f => f.JsonType == type && (state is null || f.Get("state") == state), timeout);

    /// <summary>Asserts that nothing arrives for a while (the socket stays usable).</summary>
    public async Task ExpectSilenceAsync(TimeSpan period)
    {
        using var cts = new CancellationTokenSource(period);
        try
        {
            if (await _frames.Reader.WaitToReadAsync(cts.Token) && _frames.Reader.TryPeek(out var frame))
            {
                throw new AssertionException($"expected silence, got {frame}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits for the gateway to close the WebSocket; returns its close status and reason.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason)> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        var finished = await Task.WhenAny(_reader, Task.Delay(timeout ?? DefaultTimeout));
        if (finished != _reader)
        {
            throw new AssertionException($"the gateway did not close the connection within {timeout ?? DefaultTimeout}");
        }

        return (_socket.CloseStatus, _socket.CloseStatusDescription);
    }

    /// <summary>Frames received so far and not yet consumed.</summary>
    public List<DeviceFrame> Drain()
    {
        var list = new List<DeviceFrame>();
        while (_frames.Reader.TryRead(out var frame))
        {
            list.Add(frame);
        }

        return list;
    }

    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(DefaultTimeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (WebSocketException)
            {
            }
        }

        await Task.WhenAny(_reader, Task.Delay(DefaultTimeout));
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var message = new MemoryStream();
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    await _frames.Writer.WriteAsync(new DeviceFrame(result.MessageType, message.ToArray()));
                    message.SetLength(0);
                }
            }
        }
        catch (WebSocketException)
        {
            // The connection dropped; tests see it through CloseStatus / ReceiveAsync failing.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _frames.Writer.TryComplete();
        }
    }
}

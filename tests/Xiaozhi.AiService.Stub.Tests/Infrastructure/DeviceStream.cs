using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Grpc.Core;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Infrastructure;

/// <summary>One ChatStream as the IM would drive it: a background reader moves responses into a bounded channel.</summary>
public sealed class DeviceStream : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly AsyncDuplexStreamingCall<ChatRequest, ChatResponse> _call;
    private readonly Channel<ChatResponse> _responses = Channel.CreateBounded<ChatResponse>(new BoundedChannelOptions(100_000) { SingleWriter = true });
    private readonly Task _reader;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public DeviceStream(AsyncDuplexStreamingCall<ChatRequest, ChatResponse> call, ChatSessionIdentity identity)
    {
        _call = call;
        Identity = identity;
        _reader = Task.Run(ReadAsync);
    }

    public ChatSessionIdentity Identity { get; }

    public string SessionId => Identity.SessionId;

    /// <summary>The error that ended the response stream, once it ended with one.</summary>
    public RpcException? EndError { get; private set; }

    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public Task SendTextAsync(string text) => SendAsync(ChatRequests.Text(Identity, text, Now));

    public Task SendBinaryAsync(byte[] audio) => SendAsync(ChatRequests.Binary(Identity, audio, Now));

    public async Task SendAsync(ChatRequest request)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(request);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task CompleteRequestsAsync() => _call.RequestStream.CompleteAsync();

    /// <summary>Sends a hello and returns the server hello.</summary>
    public async Task<JsonElement> HelloAsync(string? format = null, bool mcp = false)
    {
        var audio = format is null ? string.Empty : $",\"audio_params\":{{\"format\":\"{format}\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}";
        await SendTextAsync($"{{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\",\"features\":{{\"mcp\":{(mcp ? "true" : "false")}}}{audio}}}");
        return await NextJsonAsync("hello");
    }

    /// <summary>The next response, or an assertion failure naming what happened instead.</summary>
    public async Task<ChatResponse> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _responses.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new AssertionException($"no response within {timeout ?? DefaultTimeout}");
        }
        catch (ChannelClosedException)
        {
            throw new AssertionException($"the response stream ended ({EndError?.Status.ToString() ?? "OK"}) while a response was expected");
        }
    }

    public async Task<JsonElement> NextJsonAsync(string? expectedType = null)
    {
        var response = await NextAsync();
        response.GetKind().Should().Be(ChatFrameKind.Text, $"expected a text frame{(expectedType is null ? string.Empty : " of type " + expectedType)}, got {Describe(response)}");
        using var document = JsonDocument.Parse(response.ResponseData.Memory);
        var root = document.RootElement.Clone();
        if (expectedType is not null)
        {
            root.GetProperty("type").GetString().Should().Be(expectedType, $"got {response.ResponseData.ToStringUtf8()}");
        }

        return root;
    }

    public async Task<AiErrorPayload> NextErrorAsync()
    {
        var response = await NextAsync();
        response.GetKind().Should().Be(ChatFrameKind.Error, $"expected a 999 error, got {Describe(response)}");
        AiErrorPayload.TryParse(response.ResponseData.Span, out var payload).Should().BeTrue();
        return payload!;
    }

    public async Task<byte[]> NextBinaryAsync(TimeSpan? timeout = null)
    {
        var response = await NextAsync(timeout);
        response.GetKind().Should().Be(ChatFrameKind.Binary, $"expected audio, got {Describe(response)}");
        return response.ResponseData.ToByteArray();
    }

    /// <summary>Reads the whole turn (stt … tts stop) and checks its order.</summary>
    public async Task<TurnResult> ReadTurnAsync()
    {
        var stt = await NextJsonAsync("stt");
        var llm = await NextJsonAsync("llm");
        var start = await NextJsonAsync("tts");
        start.GetProperty("state").GetString().Should().Be("start");
        var sentence = await NextJsonAsync("tts");
        sentence.GetProperty("state").GetString().Should().Be("sentence_start");
        var frames = new List<byte[]>();
        while (true)
        {
            var response = await NextAsync();
            if (response.GetKind() == ChatFrameKind.Binary)
            {
                frames.Add(response.ResponseData.ToByteArray());
                continue;
            }

            response.GetKind().Should().Be(ChatFrameKind.Text, Describe(response));
            using var end = JsonDocument.Parse(response.ResponseData.Memory);
            end.RootElement.GetProperty("state").GetString().Should().Be("sentence_end");
            break;
        }

        var stop = await NextJsonAsync("tts");
        stop.GetProperty("state").GetString().Should().Be("stop");
        return new TurnResult(stt.GetProperty("text").GetString()!, llm, sentence.GetProperty("text").GetString()!, frames);
    }

    /// <summary>Asserts that nothing arrives for a short while.</summary>
    public async Task ExpectNothingAsync(TimeSpan? quiet = null)
    {
        using var cts = new CancellationTokenSource(quiet ?? TimeSpan.FromMilliseconds(200));
        try
        {
            var unexpected = await _responses.Reader.ReadAsync(cts.Token);
            Assert.Fail($"expected no response, got {Describe(unexpected)}");
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>Waits for the response stream to end with an error status and returns it.</summary>
    public async Task<RpcException> ExpectEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await foreach (var response in _responses.Reader.ReadAllAsync(cts.Token))
            {
                _ = response; // drain what was sent before the end
            }
        }
        catch (OperationCanceledException)
        {
            throw new AssertionException("the response stream did not end in time");
        }

        return EndError ?? throw new AssertionException("the response stream ended with status OK");
    }

    public static string Describe(ChatResponse response) => response.GetKind() switch
    {
        ChatFrameKind.Binary => $"binary[{response.ResponseData.Length}]",
        _ => $"{response.GetKind()} {Encoding.UTF8.GetString(response.ResponseData.Span)}",
    };

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        try
        {
            await _reader;
        }
        catch
        {
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var response in _call.ResponseStream.ReadAllAsync())
            {
                await _responses.Writer.WriteAsync(response);
            }

            _responses.Writer.TryComplete();
        }
        catch (RpcException ex)
        {
            EndError = ex;
            _responses.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _responses.Writer.TryComplete(ex);
        }
    }
}

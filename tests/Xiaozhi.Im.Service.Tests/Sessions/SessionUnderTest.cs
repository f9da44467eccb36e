using System.Net.WebSockets;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Telemetry;
using Xiaozhi.Im.Service.Tests.Upstream;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// A whole session on a fake clock: the device end of an in-memory WebSocket, fake ChatStreams whose responses the
/// test releases one read at a time (<see cref="StreamControl.Release"/>), and the IM's metrics.
/// </summary>
internal sealed class SessionUnderTest : IDisposable
{
    private static readonly SessionMetadata Metadata = new("s-1", "aa:bb:cc:dd:ee:ff", "client-1", null, BinaryProtocolVersion.V1, "websocket", "127.0.0.1");
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(20));

    public SessionUnderTest(MovesOptions? moves = null)
    {
        Moves = moves ?? new MovesOptions();

        // The endpoint's departure runs on the test's clock, its moments drawn from a fixed seed.
        Source = new FakeStreamSource(new AiEndpoint(new Uri("http://127.0.0.1:1"), new AiOptions(), NullLoggerFactory.Instance, Time, ejector: null, 1,
            (uri, logger) => new EndpointDeparture(uri, Moves.SpreadWindow, Time, new Random(7), logger)));
        First = Control(Source.NewCall());
        var limits = new LimitsOptions();
        var webSocket = new DeviceWebSocketOptions();
        var uplinkLimits = new UplinkLimits(webSocket.MaxTextFrameBytes, webSocket.MaxBinaryFrameBytes, new AiOptions().MaxMessageBytes, limits.InitialReceiveBufferBytes, limits.CloseTimeout);
        var settings = new SessionSettings(uplinkLimits, limits, new ResumeOptions(), Moves, SessionSettingsForTests.QuietAdmission);
        Session = new Session(Metadata, Pair.Server, First.Call.Stream, settings, new SessionNode(Source, Time, SessionLoggers.Null, Metrics.Metrics, NodeBufferBudget.Unlimited));
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeStreamSource Source { get; }

    public MovesOptions Moves { get; }

    public InMemoryWebSocketPair Pair { get; } = new();

    public TestMetrics Metrics { get; } = new();

    public Session Session { get; }

    public StreamControl First { get; }

    public CancellationToken Timeout => _timeout.Token;

    /// <summary>Makes <paramref name="call"/>'s reads wait for the test; the next calls the source hands out get the same.</summary>
    public static StreamControl Control(FakeChatCall call)
    {
        var control = new StreamControl(call);
        call.ReadEnd = async ct =>
        {
            await control.Reads.WaitAsync(ct);
            return control.Ended ? false : await call.MoveNext(ct);
        };
        return control;
    }

    public static ChatResponse Text(string json) => new() { ResponseType = (int)ChatFrameKind.Text, ResponseData = ByteString.CopyFromUtf8(json) };

    public Task DeviceSendsAsync(string json) =>
        Pair.Device.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, Timeout);

    /// <summary>The next message the device gets: its text, or "close 1001" for a close.</summary>
    public async Task<string> DeviceReceivesAsync()
    {
        var buffer = new byte[4096];
        var result = await Pair.Device.ReceiveAsync(buffer, Timeout);
        return result.MessageType == WebSocketMessageType.Close
            ? $"close {(int)result.CloseStatus!}"
            : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    /// <summary>Waits (real time, the fake clock advancing by <paramref name="step"/> meanwhile) until <paramref name="condition"/> holds.</summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan? step = null)
    {
        while (!condition())
        {
            Timeout.ThrowIfCancellationRequested();
            await Task.Delay(5);
            if (step is { } advance)
            {
                Time.Advance(advance);
            }
        }
    }

    public void Dispose()
    {
        Pair.Dispose();
        Source.Dispose();
        Metrics.Dispose();
        _timeout.Dispose();
    }

    /// <summary>A fake stream's reads, released by the test.</summary>
    internal sealed class StreamControl(FakeChatCall call)
    {
        public FakeChatCall Call { get; } = call;

        public SemaphoreSlim Reads { get; } = new(0);

        public bool Ended { get; private set; }

        /// <summary>The AI service sends <paramref name="json"/>.</summary>
        public void Send(string json)
        {
            Call.Responses.Enqueue(Text(json));
            Reads.Release();
        }

        /// <summary>The AI service ends the stream (status OK).</summary>
        public void End()
        {
            Ended = true;
            Reads.Release();
        }

        public IEnumerable<string> WrittenTexts => Call.Written.Where(r => r.GetKind() == ChatFrameKind.Text).Select(r => r.MessageData.ToStringUtf8());
    }
}

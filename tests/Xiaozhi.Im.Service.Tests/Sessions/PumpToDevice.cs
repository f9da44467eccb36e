using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>A downlink pump writing through a session's writer to the device end of an in-memory WebSocket pair.</summary>
internal sealed class PumpToDevice : IDisposable
{
    /// <summary>Creates the pair, the writer (fake clock) and the pump of a protocol 1 session.</summary>
    public PumpToDevice(Microsoft.Extensions.Logging.ILogger? pumpLogger = null)
    {
        var time = new FakeTimeProvider();
        Writer = new DeviceSocketWriter(Pair.Server, NullLogger.Instance, TimeSpan.FromSeconds(10), time, metrics: null);
        var session = new SessionMetadata("s-1", "aa:bb:cc:dd:ee:ff", "client-1", null, BinaryProtocolVersion.V1, "websocket", "127.0.0.1");
        Pump = new DownlinkPump(Writer, session, Ledger, _ => { }, time, pumpLogger ?? NullLogger.Instance, Metrics.Metrics);
    }

    /// <summary>The metrics the pump reports to.</summary>
    public TestMetrics Metrics { get; } = new();

    /// <summary>What the pump noted of the conversation.</summary>
    public ConversationLedger Ledger { get; } = new(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);

    /// <summary>The WebSocket pair (<see cref="InMemoryWebSocketPair.Device"/> receives what the pump forwards).</summary>
    public InMemoryWebSocketPair Pair { get; } = new();

    /// <summary>The session's single writer.</summary>
    public DeviceSocketWriter Writer { get; }

    /// <summary>The pump under test.</summary>
    public DownlinkPump Pump { get; }

    /// <summary>A text response from the AI service.</summary>
    public static ChatResponse Text(string json) => new() { ResponseType = (int)ChatFrameKind.Text, ResponseData = ByteString.CopyFromUtf8(json) };

    /// <inheritdoc />
    public void Dispose()
    {
        Writer.Dispose();
        Pair.Dispose();
        Metrics.Dispose();
    }
}

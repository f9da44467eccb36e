using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Sessions;

/// <summary>
/// One <c>ChatStream</c> = one device session, as the stub saw it. All members are thread-safe snapshots.
/// </summary>
internal sealed class StubSession
{
    private readonly object _gate = new();
    private readonly Queue<RecordedRequest> _requests = new();
    private readonly List<string> _toolNames = [];
    private readonly int _maxRequests;
    private int _ignoredUnknownTypes;
    private int _droppedBinaryBeforeHello;
    private volatile bool _completed;
    private volatile string _sessionId;

    internal StubSession(string? sessionId, IReadOnlyDictionary<string, string> metadata, int maxRequests)
    {
        _sessionId = sessionId ?? string.Empty;
        Metadata = metadata;
        _maxRequests = maxRequests;
    }

    /// <summary>From the <c>session-id</c> request header, else from the first request's <c>session_id</c>.</summary>
    public string SessionId => _sessionId;

    /// <summary>The session metadata headers (<c>SessionMetadataHeaders.All</c>) that were present when the stream opened.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The requests received, in order: the newest <c>Stub:MaxRecordedRequestsPerSession</c> of them.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The device's MCP tool names learned through <c>tools/list</c>.</summary>
    public IReadOnlyList<string> DeviceToolNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _toolNames];
            }
        }
    }

    /// <summary>JSON text frames whose <c>type</c> the stub does not know.</summary>
    public int IgnoredUnknownTypes => Volatile.Read(ref _ignoredUnknownTypes);

    /// <summary>Binary frames received before the device's hello (dropped).</summary>
    public int DroppedBinaryBeforeHello => Volatile.Read(ref _droppedBinaryBeforeHello);

    /// <summary>True once the request stream has ended (the client completed it, or the stream ended).</summary>
    public bool Completed => _completed;

    /// <summary>The writer of the live stream; null once the stream is over.</summary>
    internal StubResponseWriter? Writer { get; set; }

    internal void SetSessionIdIfUnknown(string sessionId)
    {
        if (_sessionId.Length == 0)
        {
            _sessionId = sessionId;
        }
    }

    /// <summary>Keeps <paramref name="request"/> (a text frame's JSON <paramref name="jsonType"/> beside it), unless the stub keeps none.</summary>
    internal void Record(ChatRequest request, string? jsonType)
    {
        if (_maxRequests == 0)
        {
            return;
        }

        var recorded = new RecordedRequest(
            request.GetKind(),
            request.MessageData.Length,
            request.SessionId,
            request.DeviceId,
            request.ClientId,
            request.Timestamp,
            jsonType,
            request.MessageData.Memory);
        lock (_gate)
        {
            if (_requests.Count >= _maxRequests)
            {
                _requests.Dequeue();
            }

            _requests.Enqueue(recorded);
        }
    }

    internal void AddDeviceTools(IEnumerable<string> names)
    {
        lock (_gate)
        {
            foreach (var name in names)
            {
                if (!_toolNames.Contains(name))
                {
                    _toolNames.Add(name);
                }
            }
        }
    }

    internal void CountIgnoredUnknownType() => Interlocked.Increment(ref _ignoredUnknownTypes);

    internal void CountDroppedBinaryBeforeHello() => Interlocked.Increment(ref _droppedBinaryBeforeHello);

    internal void MarkCompleted() => _completed = true;

    /// <inheritdoc />
    public override string ToString() => $"session '{SessionId}' ({Requests.Count} requests{(Completed ? ", completed" : string.Empty)})";
}

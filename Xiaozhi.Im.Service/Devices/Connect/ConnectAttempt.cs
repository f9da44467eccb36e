using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>
/// One upgrade request on its way through the connect steps: what each step learnt for the next, and what it holds
/// (the admission slot, the device claim, the session span, the opened stream until a session owns it), let go of in
/// reverse order when the attempt ends, refused or served.
/// </summary>
internal sealed class ConnectAttempt(HttpContext context) : IDisposable
{
    private DeviceIdentity? _identity;
    private string? _sessionId;
    private DeviceClaim? _claim;
    private SessionMetadata? _metadata;
    private AiChatStream? _stream;
    private Action? _releaseSlot;
    private Activity? _span;

    public HttpContext Context => context;

    public CancellationToken Aborted => context.RequestAborted;

    /// <summary>What the device said about itself (set by <see cref="IdentityStep"/>).</summary>
    public DeviceIdentity Identity => _identity ?? throw NotYet(nameof(Identity));

    /// <summary>The device's <c>Session-Id</c>, or a new one.</summary>
    public string SessionId => _sessionId ?? throw NotYet(nameof(SessionId));

    /// <summary>Set once the token step passed: with authentication off, a device without a Device-Id is refused there.</summary>
    public string DeviceId => Identity.DeviceId ?? throw NotYet(nameof(DeviceId));

    /// <summary>The token's user, when authentication is on.</summary>
    public string? UserId { get; set; }

    public DeviceClaim Claim => _claim ?? throw NotYet(nameof(Claim));

    public SessionMetadata Metadata => _metadata ?? throw NotYet(nameof(Metadata));

    public AiChatStream Stream => _stream ?? throw NotYet(nameof(Stream));

    public void Identified(DeviceIdentity identity, string sessionId)
    {
        _identity = identity;
        _sessionId = sessionId;
    }

    public void HoldSlot(Action release) => _releaseSlot = release;

    public void Hold(DeviceClaim claim) => _claim = claim;

    public void Hold(Activity? span) => _span = span;

    /// <summary>The session span <see cref="StreamStep"/> started (null when not sampled).</summary>
    public Activity? Span => _span;

    public void Opened(SessionMetadata metadata, AiChatStream stream)
    {
        _metadata = metadata;
        _stream = stream;
    }

    /// <summary>The session now owns the stream: the attempt no longer disposes it.</summary>
    public AiChatStream HandOverStream()
    {
        var stream = Stream;
        _stream = null;
        return stream;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _span?.Dispose();
        _claim?.Dispose();
        _releaseSlot?.Invoke();
    }

    private static InvalidOperationException NotYet(string what) => new($"{what} is set by an earlier connect step");
}

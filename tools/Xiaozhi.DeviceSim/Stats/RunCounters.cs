namespace Xiaozhi.DeviceSim.Stats;

/// <summary>Live counters shared by every device of a run, for the progress line (interlocked; never histograms).</summary>
public sealed class RunCounters
{
    private long _connected;
    private long _talking;
    private long _framesSent;
    private long _framesReceived;
    private long _errors;
    private long _disconnects;

    /// <summary>Devices whose WebSocket is open and hello answered.</summary>
    public long Connected => Interlocked.Read(ref _connected);

    /// <summary>Devices currently running a talking scenario.</summary>
    public long Talking => Interlocked.Read(ref _talking);

    /// <summary>Binary frames sent.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Frames (binary or text) received.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Errors of any kind.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Connections that ended while the run wanted them open.</summary>
    public long Disconnects => Interlocked.Read(ref _disconnects);

    internal void ConnectedDelta(int delta) => Interlocked.Add(ref _connected, delta);

    internal void TalkingDelta(int delta) => Interlocked.Add(ref _talking, delta);

    internal void Sent() => Interlocked.Increment(ref _framesSent);

    internal void Received() => Interlocked.Increment(ref _framesReceived);

    internal void Error() => Interlocked.Increment(ref _errors);

    internal void Disconnected() => Interlocked.Increment(ref _disconnects);
}

using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// What the session's supervisor needs to know about the conversation, learnt from the frames passing through: whether
/// the device is in a voice turn (last <c>listen</c> was <c>start</c>), whether the AI is speaking (<c>tts start</c>
/// without <c>tts stop</c>) and the first server hello. The frames to replay on a resumed stream are not kept here but
/// in <see cref="SessionUpstream"/>, as of what reached the AI service (device frames can be ahead of that while kept).
/// Thread-safe.
/// </summary>
public sealed class TurnState
{
    private readonly object _gate = new();
    private bool _listening;
    private bool _speaking;
    private ServerHelloSummary? _serverHello;

    /// <summary>True while the device is in a voice turn.</summary>
    public bool Listening
    {
        get
        {
            lock (_gate)
            {
                return _listening;
            }
        }
    }

    /// <summary>True while the AI speaks (the device got <c>tts start</c> but not yet <c>tts stop</c>).</summary>
    public bool Speaking
    {
        get
        {
            lock (_gate)
            {
                return _speaking;
            }
        }
    }

    /// <summary>Neither listening nor speaking: a good moment to move the session.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return !_listening && !_speaking;
            }
        }
    }

    /// <summary>The first server hello the device got (what later hellos are compared with).</summary>
    public ServerHelloSummary? ServerHello
    {
        get
        {
            lock (_gate)
            {
                return _serverHello;
            }
        }
    }

    /// <summary>
    /// Learns from a device text frame; returns its tag (what the resume replay needs to know about it). Nothing of
    /// <paramref name="utf8"/> is kept: it is usually the uplink's pooled receive buffer.
    /// </summary>
    public UplinkFrameTag OnDeviceText(JsonMessageType type, ReadOnlySpan<byte> utf8)
    {
        if (type.Is("hello"))
        {
            return UplinkFrameTag.Hello;
        }

        if (type.Is("chat") || type.Is("image") || type.Is("vision"))
        {
            return UplinkFrameTag.Request;
        }

        if (!type.Is("listen"))
        {
            return UplinkFrameTag.Other;
        }

        var state = JsonStateSniffer.SniffState(utf8);
        lock (_gate)
        {
            if (state == "start")
            {
                _listening = true;
                return UplinkFrameTag.ListenStart;
            }

            if (state == "stop")
            {
                _listening = false;
                return UplinkFrameTag.ListenStop;
            }
        }

        return UplinkFrameTag.Other;
    }

    /// <summary>
    /// Learns from a server text frame; returns true for <c>tts stop</c> (the end of a turn). Speaking ends only when the
    /// caller reports the stop delivered (<see cref="StopSpeaking"/>).
    /// </summary>
    public bool OnServerText(JsonMessageType type, ReadOnlySpan<byte> utf8)
    {
        if (!type.Is("tts"))
        {
            return false;
        }

        var state = JsonStateSniffer.SniffState(utf8);
        lock (_gate)
        {
            if (state == "start")
            {
                _speaking = true;
            }
            else if (state == "stop")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records the first server hello; later calls keep the first.</summary>
    public void OnServerHello(ServerHelloSummary? summary)
    {
        lock (_gate)
        {
            _serverHello ??= summary;
        }
    }

    /// <summary>The device was told the AI stopped speaking (a forwarded or synthesized <c>tts stop</c>).</summary>
    public void StopSpeaking()
    {
        lock (_gate)
        {
            _speaking = false;
        }
    }
}

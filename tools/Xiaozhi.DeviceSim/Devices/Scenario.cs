namespace Xiaozhi.DeviceSim.Devices;

/// <summary>What a talking device does once connected.</summary>
public enum Scenario
{
    /// <summary>Stay connected, send nothing (the server's pings are answered).</summary>
    Idle = 0,

    /// <summary>Typed chat turns: <c>chat</c> → wait for <c>tts stop</c> → pause.</summary>
    Chat = 1,

    /// <summary>Real-time voice turns: <c>listen start</c> → 60 ms frames at real time → <c>listen stop</c> → wait for <c>tts stop</c> → pause.</summary>
    Voice = 2,

    /// <summary>Binary probe frames at a fixed rate, each matched to its echo (the stub's echo mode, or a raw echo server).</summary>
    Echo = 3,

    /// <summary>Voice and chat turns, chosen at random per turn.</summary>
    Mix = 4,
}

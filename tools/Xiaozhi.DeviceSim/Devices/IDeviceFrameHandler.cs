namespace Xiaozhi.DeviceSim.Devices;

/// <summary>What a <see cref="DeviceSocket"/> hands each whole message it receives to, on its receive loop.</summary>
internal interface IDeviceFrameHandler
{
    /// <summary>A binary message; <paramref name="now"/> is the Stopwatch timestamp it arrived.</summary>
    void OnBinary(ReadOnlySpan<byte> frame, long now);

    /// <summary>A text message (UTF-8).</summary>
    void OnText(ReadOnlySpan<byte> utf8, long now);

    /// <summary>The socket is closed (by either side or a failure); called once, last.</summary>
    void OnClosed();
}

namespace Xiaozhi.DeviceSim.Framing;

/// <summary>What a probe payload carries.</summary>
/// <param name="DeviceIndex">The sending device.</param>
/// <param name="Sequence">The frame's sequence number on that device.</param>
/// <param name="IntendedTicks">When the schedule wanted the frame sent (Stopwatch ticks).</param>
/// <param name="SentTicks">When it was actually handed to the socket (Stopwatch ticks).</param>
public readonly record struct ProbeStamp(int DeviceIndex, uint Sequence, long IntendedTicks, long SentTicks);

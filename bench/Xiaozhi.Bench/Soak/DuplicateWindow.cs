namespace Xiaozhi.Bench.Soak;

/// <summary>A device with two live sessions from <see cref="From"/> (the new one connected) to <see cref="To"/> (the old one closed).</summary>
internal sealed record DuplicateWindow(string DeviceId, TimeSpan From, TimeSpan To, TimeSpan Deadline, string OldClose)
{
    public TimeSpan Length => To - From;
}

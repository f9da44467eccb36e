using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>A registered session that records how it was closed.</summary>
internal sealed class RecordingSession(string deviceId, string sessionId) : IDeviceSession
{
    public string DeviceId { get; } = deviceId;

    public string SessionId { get; } = sessionId;

    public List<DeviceClose> Closes { get; } = [];

    public Task CloseAsync(DeviceClose close)
    {
        lock (Closes)
        {
            Closes.Add(close);
        }

        return Task.CompletedTask;
    }
}

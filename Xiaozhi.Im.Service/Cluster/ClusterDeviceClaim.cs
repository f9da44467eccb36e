using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// An accepted claim: holds the device's lock until registered; written to Redis (and the previous owner kicked) by
/// <see cref="ConfirmAsync"/>; given up when disposed unregistered.
/// </summary>
internal sealed class ClusterDeviceClaim(ClusterSessionRegistry registry, OwnedSession owned, ExpectedOwner expected, IDisposable hold) : DeviceClaim(true)
{
    private int _state; // 0 pending, 1 registered, 2 given up

    public OwnedSession Owned { get; } = owned;

    public override ValueTask<bool> ConfirmAsync(CancellationToken cancellationToken) => registry.ConfirmAsync(Owned, expected, cancellationToken);

    public void Registered()
    {
        Interlocked.CompareExchange(ref _state, 1, 0);
        hold.Dispose();
    }

    public void ReleaseHold() => hold.Dispose();

    protected override void Dispose(bool disposing)
    {
        hold.Dispose();
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
        {
            registry.GiveUp(Owned);
        }
    }
}

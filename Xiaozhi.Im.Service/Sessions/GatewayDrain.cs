namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Whether the host is draining: new device upgrades are refused with 503 from then on.</summary>
internal sealed class GatewayDrain
{
    private volatile bool _draining;

    /// <summary>True once draining began.</summary>
    public bool IsDraining => _draining;

    /// <summary>Begins draining (idempotent).</summary>
    public void Begin() => _draining = true;
}

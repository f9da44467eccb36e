namespace Xiaozhi.Im.Service.Sessions;

/// <summary>The answer of <see cref="ISessionRegistry.ClaimAsync"/>: may the connection be upgraded.</summary>
internal class DeviceClaim : IDisposable
{
    /// <summary>The single-node answer: go ahead.</summary>
    public static readonly DeviceClaim Granted = new(true);

    /// <summary>The single-node answer: the device is live (policy Reject).</summary>
    public static readonly DeviceClaim Refused = new(false);

    /// <summary>The single-node answer: another connection of the device holds the claim and is being set up (policy Reject).</summary>
    public static readonly DeviceClaim RefusedWhileConnecting = new(false) { AnotherConnecting = true };

    /// <summary>Creates an answer.</summary>
    protected DeviceClaim(bool accepted) => Accepted = accepted;

    /// <summary>False: answer 409, the device is live (or, with <see cref="AnotherConnecting"/>, about to be).</summary>
    public bool Accepted { get; }

    /// <summary>Refused because another connection of the device claimed it first and has not registered yet.</summary>
    public bool AnotherConnecting { get; private init; }

    /// <summary>
    /// Called once the new connection is certain (its AI stream is open), before the upgrade: a cluster writes the claim
    /// and kicks the previous owner only now. False: another connection won meanwhile (policy Reject), answer 409.
    /// </summary>
    public virtual ValueTask<bool> ConfirmAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>Gives up a claim that was never registered (a no-op once registered).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the claim holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

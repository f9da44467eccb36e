namespace Xiaozhi.Im.Service.Upstream;

// Leaving the endpoint: its sessions move off it, spread over Ai:Moves:SpreadWindow (see EndpointDeparture).
internal sealed partial class AiEndpoint
{
    /// <summary>Whether the endpoint is being left, and the sessions watching it.</summary>
    public EndpointDeparture Departure { get; }

    /// <summary>Starts (or adds a reason to) leaving the endpoint; true when this started the departure.</summary>
    public bool Leave(EndpointDepartureReason reason) => Departure.Begin(reason);

    /// <summary>Clears a reason for leaving; true when none is left (sessions not yet moved stay).</summary>
    public bool Stay(EndpointDepartureReason reason) => Departure.End(reason);
}

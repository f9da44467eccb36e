namespace Xiaozhi.Im.Service.Upstream;

/// <summary>An endpoint was ejected: it takes no new sessions for <see cref="Duration"/>.</summary>
internal sealed class AiEndpointEjectedEventArgs(AiEndpoint endpoint, TimeSpan duration, int failures) : EventArgs
{
    /// <summary>The ejected endpoint.</summary>
    public AiEndpoint Endpoint { get; } = endpoint;

    /// <summary>How long it takes no new sessions.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <summary>The failures in a row that ejected it.</summary>
    public int Failures { get; } = failures;
}

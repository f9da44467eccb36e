namespace Xiaozhi.Im.Service.Upstream;

/// <summary>Decides which endpoints a new (or resuming) session's ChatStream should try, best first.</summary>
internal interface IAiEndpointPolicy
{
    /// <summary>The candidates in preference order; never empty when <paramref name="endpoints"/> is not.</summary>
    IReadOnlyList<AiEndpoint> Order(IReadOnlyList<AiEndpoint> endpoints);
}

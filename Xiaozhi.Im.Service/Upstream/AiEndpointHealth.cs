namespace Xiaozhi.Im.Service.Upstream;

/// <summary>What the last <c>HealthCheck</c> of an endpoint said.</summary>
internal enum AiEndpointHealth
{
    /// <summary>Not checked yet (treated as healthy).</summary>
    Unknown,

    /// <summary>Answered SERVING.</summary>
    Serving,

    /// <summary>Answered something else (e.g. draining): no new sessions.</summary>
    NotServing,

    /// <summary>No answer within <c>Ai:HealthCheckTimeout</c> or the call failed: no new sessions.</summary>
    Unreachable,
}

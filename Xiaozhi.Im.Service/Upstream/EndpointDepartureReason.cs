namespace Xiaozhi.Im.Service.Upstream;

/// <summary>Why the gateway is leaving an AI endpoint (several may hold at once). Its name is a metric label.</summary>
[Flags]
internal enum EndpointDepartureReason
{
    /// <summary>Not being left.</summary>
    None = 0,

    /// <summary>Its health check answered NOT_SERVING (the service is draining).</summary>
    NotServing = 1,

    /// <summary>Its address left its <c>dns:///</c> name.</summary>
    Retired = 2,

    /// <summary>Ejected as an outlier.</summary>
    Ejected = 4,
}

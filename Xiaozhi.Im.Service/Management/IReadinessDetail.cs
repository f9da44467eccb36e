namespace Xiaozhi.Im.Service.Management;

/// <summary>An extra line for the <c>/readyz</c> body that does not change readiness (e.g. the cluster's state).</summary>
internal interface IReadinessDetail
{
    /// <summary>One short line.</summary>
    string Describe();
}

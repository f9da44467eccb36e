namespace Xiaozhi.Im.Service.Management;

/// <summary>The management port: health, readiness and metrics, separate from the device port (section <c>Management</c>).</summary>
internal sealed class ManagementOptions
{
    public const string SectionName = "Management";

    /// <summary>Serve the management port. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listen address(es), <c>;</c>-separated. Default <c>http://127.0.0.1:9090</c> (loopback only).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:9090";
}

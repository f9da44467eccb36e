namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>Metrics and traces (section <c>Telemetry</c>).</summary>
internal sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The OpenTelemetry <c>service.name</c>. Default <c>xiaozhi-im</c>.</summary>
    public string ServiceName { get; set; } = "xiaozhi-im";

    /// <summary>Serve Prometheus metrics at <c>/metrics</c> on the management port. Default true.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>OTLP collector endpoint (e.g. <c>http://localhost:4317</c>); empty = no OTLP export. Metrics and traces.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>OTLP protocol: <c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Log a short SHA-256 digest of each Device-Id (MAC address) instead of the id itself. Default false.</summary>
    public bool HashDeviceIdsInLogs { get; set; }

    /// <summary>What the logs show for <paramref name="deviceId"/>: the id, or <c>sha256:</c> and 12 hex digits of its digest.</summary>
    public string DeviceIdForLogs(string? deviceId) =>
        deviceId is null || !HashDeviceIdsInLogs
            ? deviceId ?? "(none)"
            : "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(deviceId)))[..12];
}

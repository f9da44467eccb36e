using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// A logger category per part of a session, so an operator can raise one (e.g.
/// <c>Logging:LogLevel:Xiaozhi.Im.Service.Sessions.Resume=Debug</c>); all share the endpoint's scope (SessionId, DeviceId).
/// </summary>
internal sealed record SessionLoggers(ILogger Session, ILogger Uplink, ILogger Downlink, ILogger DeviceWriter, ILogger Resume, ILogger Admission)
{
    public const string SessionCategory = "Xiaozhi.Im.Service.Sessions.Session";
    public const string UplinkCategory = "Xiaozhi.Im.Service.Sessions.Uplink";
    public const string DownlinkCategory = "Xiaozhi.Im.Service.Sessions.Downlink";
    public const string DeviceWriterCategory = "Xiaozhi.Im.Service.Sessions.DeviceWriter";
    public const string ResumeCategory = "Xiaozhi.Im.Service.Sessions.Resume";

    // The admission policies' closes (7001) have always been logged under the connect's category; filters keep working.
    public const string AdmissionCategory = "Xiaozhi.Im.Service.Devices.DeviceWebSocketEndpoint";

    public static SessionLoggers Null { get; } = new(NullLogger.Instance, NullLogger.Instance, NullLogger.Instance, NullLogger.Instance, NullLogger.Instance, NullLogger.Instance);

    public static SessionLoggers From(ILoggerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new(
            factory.CreateLogger(SessionCategory),
            factory.CreateLogger(UplinkCategory),
            factory.CreateLogger(DownlinkCategory),
            factory.CreateLogger(DeviceWriterCategory),
            factory.CreateLogger(ResumeCategory),
            factory.CreateLogger(AdmissionCategory));
    }
}

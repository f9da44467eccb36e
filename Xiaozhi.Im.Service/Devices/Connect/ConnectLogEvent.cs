namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>Which log event a refused upgrade writes.</summary>
internal enum ConnectLogEvent
{
    /// <summary>2001, Information: the status and a short detail.</summary>
    Refused,

    /// <summary>2002, Warning: the token's failure and whether one was sent.</summary>
    AuthFailed,
}

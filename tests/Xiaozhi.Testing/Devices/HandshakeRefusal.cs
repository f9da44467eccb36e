using System.Net;

namespace Xiaozhi.Testing.Devices;

/// <summary>What the gateway answered instead of upgrading: the HTTP status and its plain-text reason.</summary>
public sealed record HandshakeRefusal(HttpStatusCode StatusCode, string Body);

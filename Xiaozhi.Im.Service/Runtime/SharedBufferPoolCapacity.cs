using System.Globalization;

namespace Xiaozhi.Im.Service.Runtime;

/// <summary>
/// Raises how many buffers of each size the shared <see cref="System.Buffers.ArrayPool{T}"/> keeps per CPU partition,
/// unless the operator set it. The runtime's default is 32, and it has one partition per CPU the process may use, so
/// a gateway in a 1- or 2-CPU container keeps 32–64 buffers per size. Every AI stream with response data waiting holds
/// one 16 KB buffer (SocketsHttpHandler's HTTP/2 stream buffer), so a few hundred busy sessions empty the pool: each
/// further frame then allocates a fresh buffer and the returned one is dropped, garbage that makes collections, which
/// slow the streams, which hold more buffers. Measured with <c>./build.sh bench</c> (200 devices × 50 frames/s, IM on
/// one CPU): 36,000 pool misses for 16 KB and 22,000 for 512 B buffers in 10 s, 9.8 KB allocated per round trip; with
/// 1,024 per partition none, 3.6 KB per round trip. The pool only keeps what was once in use at the same time, and
/// releases idle buffers under memory pressure.
/// </summary>
internal static class SharedBufferPoolCapacity
{
    /// <summary>The runtime's variable; it is read once, when the shared pool is first used.</summary>
    public const string EnvironmentVariable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>The gateway's default: buffers of each size kept per CPU partition.</summary>
    public const int GatewayDefault = 1024;

    /// <summary>
    /// Sets <see cref="EnvironmentVariable"/> to <see cref="GatewayDefault"/> unless it is set: call it first thing in
    /// <c>Main</c>, before anything rents from the shared pool. Returns the value that applies and where it came from.
    /// </summary>
    public static string ApplyDefault() => ApplyDefault(Environment.GetEnvironmentVariable, Environment.SetEnvironmentVariable);

    /// <summary><see cref="ApplyDefault()"/> against a given environment.</summary>
    internal static string ApplyDefault(Func<string, string?> read, Action<string, string> write)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(write);
        if (read(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return $"{configured} (from {EnvironmentVariable})";
        }

        var value = GatewayDefault.ToString(CultureInfo.InvariantCulture);
        write(EnvironmentVariable, value);
        return $"{value} (the gateway's default)";
    }
}

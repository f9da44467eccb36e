using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// The checks before an upgrade, cheapest first: browser Origin allow-list (403), per-IP connection rate (429),
/// concurrent sessions (503). Per-IP buckets are bounded: full (idle) buckets are forgotten when many accumulate.
/// </summary>
public sealed class ConnectionAdmission
{
    private const int SweepAbove = 10_000;

    private readonly AdmissionOptions _options;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _origins;
    private readonly ConcurrentDictionary<IPAddress, TokenBucket> _perIp = new();

    /// <summary>Creates the admission checks.</summary>
    public ConnectionAdmission(IOptions<AdmissionOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _origins = new HashSet<string>(_options.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Per-IP buckets held now (for tests and metrics).</summary>
    public int TrackedAddresses => _perIp.Count;

    /// <summary>Decides for one upgrade request.</summary>
    public AdmissionDecision Check(IPAddress? remote, string? origin, int activeSessions)
    {
        if (_origins.Count > 0 && !string.IsNullOrEmpty(origin) && !_origins.Contains(origin.TrimEnd('/')))
        {
            return AdmissionDecision.Refuse(StatusCodes.Status403Forbidden, "origin not allowed", "origin");
        }

        if (remote is not null)
        {
            if (_perIp.Count > SweepAbove)
            {
                Sweep();
            }

            var bucket = _perIp.GetOrAdd(remote, _ => new TokenBucket(_options.PerIpConnectionsPerSecond, _options.PerIpConnectionBurst, _time));
            if (!bucket.TryTake())
            {
                return AdmissionDecision.Refuse(StatusCodes.Status429TooManyRequests, "too many connections from this address, slow down", "rate");
            }
        }

        return activeSessions >= _options.MaxConcurrentSessions
            ? AdmissionDecision.Refuse(StatusCodes.Status503ServiceUnavailable, "gateway at capacity, try again later", "capacity")
            : AdmissionDecision.Admit;
    }

    private void Sweep()
    {
        foreach (var (address, bucket) in _perIp)
        {
            if (bucket.IsFull)
            {
                _perIp.TryRemove(address, out _);
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// The checks before an upgrade, cheapest first: browser Origin allow-list (403), per-IP connection rate (429),
/// per-IP open connections (429), concurrent sessions (503). An admitted connection holds a session slot and one of its
/// address's slots, taken atomically here and given back with <see cref="Release"/> when the connection ends, so a
/// burst of simultaneous upgrades cannot overshoot either limit. "Per IP" means per <see cref="AddressKey"/> (an IPv6
/// /64). Per-IP buckets are bounded: full (idle) buckets are forgotten when many accumulate; an address's open count
/// is forgotten when it falls to zero.
/// </summary>
internal sealed class ConnectionAdmission
{
    private const int SweepAbove = 10_000;

    private readonly AdmissionOptions _options;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _origins;
    private readonly ConcurrentDictionary<IPAddress, TokenBucket> _perIp = new();
    private readonly Dictionary<IPAddress, int> _openPerIp = [];
    private int _slots;

    /// <summary>Creates the admission checks.</summary>
    public ConnectionAdmission(IOptions<AdmissionOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _origins = new HashSet<string>(_options.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Per-IP buckets held now (for tests and metrics).</summary>
    public int TrackedAddresses => _perIp.Count;

    /// <summary>Session slots held now (admitted connections that have not ended).</summary>
    public int HeldSlots => Volatile.Read(ref _slots);

    /// <summary>Admitted connections from <paramref name="remote"/>'s address key that have not ended (for tests).</summary>
    public int OpenFrom(IPAddress remote)
    {
        lock (_openPerIp)
        {
            return _openPerIp.GetValueOrDefault(AddressKey.For(remote));
        }
    }

    /// <summary>Decides for one upgrade request; when admitted, a session slot is held until <see cref="Release"/>.</summary>
    public AdmissionDecision Admit(IPAddress? remote, string? origin)
    {
        if (_origins.Count > 0 && !string.IsNullOrEmpty(origin) && !_origins.Contains(origin.TrimEnd('/')))
        {
            return AdmissionDecision.Refuse(StatusCodes.Status403Forbidden, "origin not allowed", "origin");
        }

        var key = remote is null ? null : AddressKey.For(remote);
        if (key is not null)
        {
            if (_perIp.Count > SweepAbove)
            {
                Sweep();
            }

            var bucket = _perIp.GetOrAdd(key, _ => new TokenBucket(_options.PerIpConnectionsPerSecond, _options.PerIpConnectionBurst, _time));
            if (!bucket.TryTake())
            {
                return AdmissionDecision.Refuse(StatusCodes.Status429TooManyRequests, "too many connections from this address, slow down", "rate");
            }

            if (!TryOpen(key))
            {
                return AdmissionDecision.Refuse(StatusCodes.Status429TooManyRequests, "too many open connections from this address", "ip_concurrency");
            }
        }

        if (Interlocked.Increment(ref _slots) > _options.MaxConcurrentSessions)
        {
            Interlocked.Decrement(ref _slots);
            if (key is not null)
            {
                Close(key);
            }

            return AdmissionDecision.Refuse(StatusCodes.Status503ServiceUnavailable, "gateway at capacity, try again later", "capacity");
        }

        return AdmissionDecision.Admit;
    }

    /// <summary>
    /// Gives back the slots of an admitted connection (once per admitted connection, when it ends), with the same
    /// <paramref name="remote"/> it was admitted with.
    /// </summary>
    public void Release(IPAddress? remote)
    {
        Interlocked.Decrement(ref _slots);
        if (remote is not null)
        {
            Close(AddressKey.For(remote));
        }
    }

    private bool TryOpen(IPAddress key)
    {
        lock (_openPerIp)
        {
            var open = _openPerIp.GetValueOrDefault(key);
            if (open >= _options.PerIpConcurrentConnections)
            {
                return false;
            }

            _openPerIp[key] = open + 1;
            return true;
        }
    }

    private void Close(IPAddress key)
    {
        lock (_openPerIp)
        {
            var open = _openPerIp.GetValueOrDefault(key) - 1;
            if (open > 0)
            {
                _openPerIp[key] = open;
            }
            else
            {
                _openPerIp.Remove(key);
            }
        }
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

using System.Net;
using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The endpoints new sessions may use, in configuration order: one per <c>http(s)://</c> entry, and for each
/// <c>dns:///</c> entry one per address of its last good lookup (see <see cref="AiEndpointDnsRefresher"/>). An address
/// that vanished from its name is retired: it leaves <see cref="Current"/> at once (no new sessions, no health checks),
/// while its open streams run on until they end or their connection goes away (the sessions' resume and GOAWAY paths
/// move them); it is disposed once it has no stream left, or revived as the same endpoint if the address comes back
/// first (a flapping record does not cut connections).
/// </summary>
internal sealed class AiEndpointSet : IDisposable
{
    private readonly AiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _gate = new();
    private readonly AiEndpointTarget[] _targets;
    private readonly List<AiEndpoint>[] _byTarget;
    private readonly List<(int Target, AiEndpoint Endpoint, long RetiredAt)> _retired = [];
    private AiEndpoint[] _current;
    private TaskCompletionSource _refreshRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly AiOutlierEjector _ejector;

    /// <summary>
    /// Parses the entries and creates the fixed endpoints (no connection yet); DNS entries start empty. Every endpoint
    /// reports its failures to <paramref name="ejector"/>.
    /// </summary>
    public AiEndpointSet(AiOptions options, TimeProvider time, ILoggerFactory loggerFactory, AiOutlierEjector ejector)
    {
        _ejector = ejector;
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
        _targets = options.EffectiveEndpoints
            .Select(entry => AiEndpointTarget.TryParse(entry, out var target, out var error)
                ? target!
                : throw new InvalidOperationException($"Ai:Endpoints entry '{entry}' {error}."))
            .ToArray();
        _byTarget = _targets
            .Select((t, i) => t.Fixed is { } fixedUri ? new List<AiEndpoint> { Create(fixedUri, i) } : [])
            .ToArray();
        _current = [.. _byTarget.SelectMany(e => e)];
    }

    /// <summary>Raised when an endpoint starts being left for a reason (once per reason that newly holds): the metric.</summary>
    public event Action<EndpointDepartureReason>? DepartureBegun;

    /// <summary>The endpoints offered to new sessions now.</summary>
    public IReadOnlyList<AiEndpoint> Current => Volatile.Read(ref _current);

    /// <summary>The <c>dns:///</c> entries.</summary>
    public IReadOnlyList<AiEndpointTarget> DnsTargets => [.. _targets.Where(t => t.IsDns)];

    /// <summary>Retired endpoints whose streams have not all ended yet.</summary>
    public int RetiredCount
    {
        get
        {
            lock (_gate)
            {
                return _retired.Count;
            }
        }
    }

    /// <summary>The endpoints <paramref name="target"/> contributes now.</summary>
    public IReadOnlyList<AiEndpoint> EndpointsOf(AiEndpointTarget target)
    {
        lock (_gate)
        {
            return [.. _byTarget[IndexOf(target)]];
        }
    }

    /// <summary>
    /// Asks for an early lookup of the <c>dns:///</c> entries (a connection failed: the name may point elsewhere now).
    /// Cheap and safe to call often: the refresher rate-limits lookups.
    /// </summary>
    public void RequestRefresh()
    {
        if (_targets.Any(t => t.IsDns))
        {
            Volatile.Read(ref _refreshRequested).TrySetResult();
        }
    }

    /// <summary>Arms a fresh early-refresh request and returns it (the refresher, before each round of lookups).</summary>
    public Task NextRefreshRequest()
    {
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _refreshRequested, next);
        return next.Task;
    }

    /// <summary>Arms and returns a task that completes when an endpoint is next added (the health monitor probes it then).</summary>
    public Task NextEndpointAdded()
    {
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _added, next);
        return next.Task;
    }

    /// <summary>
    /// Makes <paramref name="addresses"/> (a good lookup of <paramref name="target"/>) its endpoints: kept ones stay the
    /// same objects, new ones are added (revived when retired), missing ones retired. Returns what changed.
    /// </summary>
    public (IReadOnlyList<Uri> Added, IReadOnlyList<Uri> Removed) Apply(AiEndpointTarget target, IEnumerable<IPAddress> addresses)
    {
        var wanted = addresses
            .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
            .Distinct()
            .OrderBy(a => a.AddressFamily)
            .ThenBy(a => a.ToString(), StringComparer.Ordinal)
            .Select(a => Uri.TryCreate($"http://{new IPEndPoint(a, target.DnsPort)}", UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .ToList();
        lock (_gate)
        {
            var index = IndexOf(target);
            var previous = _byTarget[index];
            var next = new List<AiEndpoint>(wanted.Count);
            var added = new List<Uri>();
            foreach (var uri in wanted)
            {
                var endpoint = previous.Find(e => e.Address == uri);
                if (endpoint is null)
                {
                    var retired = _retired.FindIndex(r => r.Target == index && r.Endpoint.Address == uri);
                    if (retired >= 0)
                    {
                        endpoint = _retired[retired].Endpoint;
                        _retired.RemoveAt(retired);
                        endpoint.Stay(EndpointDepartureReason.Retired);
                    }
                    else
                    {
                        endpoint = Create(uri, index);
                    }

                    added.Add(uri);
                }

                next.Add(endpoint);
            }

            var removed = new List<Uri>();
            foreach (var endpoint in previous.Where(e => !next.Contains(e)))
            {
                _retired.Add((index, endpoint, _time.GetTimestamp()));
                endpoint.Leave(EndpointDepartureReason.Retired);
                removed.Add(endpoint.Address);
            }

            _byTarget[index] = next;
            Volatile.Write(ref _current, [.. _byTarget.SelectMany(e => e)]);
            if (added.Count > 0)
            {
                Volatile.Read(ref _added).TrySetResult();
            }

            return (added, removed);
        }
    }

    /// <summary>
    /// Disposes the retired endpoints with no stream left that were retired at least <paramref name="grace"/> ago (a
    /// session that picked one just before it was retired may still be reserving a connection on it). Returns them.
    /// </summary>
    public IReadOnlyList<Uri> DisposeIdleRetired(TimeSpan grace)
    {
        List<AiEndpoint> idle;
        lock (_gate)
        {
            idle = [.. _retired.Where(r => r.Endpoint.ActiveStreams == 0 && _time.GetElapsedTime(r.RetiredAt) >= grace).Select(r => r.Endpoint)];
            _retired.RemoveAll(r => idle.Contains(r.Endpoint));
        }

        foreach (var endpoint in idle)
        {
            endpoint.Dispose();
        }

        return [.. idle.Select(e => e.Address)];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var endpoint in _byTarget.SelectMany(e => e).Concat(_retired.Select(r => r.Endpoint)))
            {
                endpoint.Dispose();
            }

            _retired.Clear();
        }
    }

    private AiEndpoint Create(Uri address, int index) => new(address, _options, _loggerFactory, _time, _ejector, _options.Balancing.WeightOf(index),
        (uri, logger) => new EndpointDeparture(
            uri, _options.Moves.SpreadWindow, _time, Random.Shared, logger, r => DepartureBegun?.Invoke(r), () => Current.Any(e => e.Address != uri && e.IsHealthy)));

    private int IndexOf(AiEndpointTarget target)
    {
        // By reference: two equal entries are two targets (records compare by value).
        var index = Array.FindIndex(_targets, t => ReferenceEquals(t, target));
        return index >= 0 ? index : throw new ArgumentException($"'{target}' is not one of Ai:Endpoints", nameof(target));
    }
}

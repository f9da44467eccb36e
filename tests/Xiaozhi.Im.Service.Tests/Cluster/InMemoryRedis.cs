namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>
/// The state one Redis holds for the cluster, shared by the <see cref="InMemoryClusterStore"/> of every node of a test:
/// device keys, each node's device set, node keys, who subscribes to which control channel, the presence events. One
/// lock makes each store call atomic, as a Lua script is. Only node keys expire (device keys' TTLs are three refresh
/// intervals, which no test here waits for).
/// </summary>
internal sealed class InMemoryRedis(TimeProvider clock)
{
    private readonly Dictionary<string, InMemoryClusterStore> _subscribers = new(StringComparer.Ordinal);

    public object Gate { get; } = new();

    /// <summary>Redis' own clock (<c>TIME</c>).</summary>
    public TimeProvider Clock { get; } = clock;

    /// <summary>False: every call fails as on a refused connection.</summary>
    public bool Up { get; set; } = true;

    /// <summary>True: kicks are published (and counted as received) but never reach the node, as when lost in flight.</summary>
    public bool LoseKicks { get; set; }

    public Dictionary<string, DeviceKey> Devices { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, HashSet<string>> NodeDevices { get; } = new(StringComparer.Ordinal);

    public List<string> Presence { get; } = [];

    /// <summary>Node keys by node id, expired ones included (<see cref="NodeKeyOf"/> hides them).</summary>
    public Dictionary<string, NodeKey> Nodes { get; } = new(StringComparer.Ordinal);

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public void Subscribe(InMemoryClusterStore store)
    {
        lock (Gate)
        {
            _subscribers[store.NodeId] = store;
        }
    }

    public bool Listens(string nodeId)
    {
        lock (Gate)
        {
            return _subscribers.ContainsKey(nodeId);
        }
    }

    /// <summary>The node key as Redis would answer it now: null once its TTL ended.</summary>
    public NodeKey? NodeKeyOf(string nodeId)
    {
        lock (Gate)
        {
            return Nodes.TryGetValue(nodeId, out var key) && key.ExpiresAtUnixMs > NowMs ? key : null;
        }
    }

    public HashSet<string> SetOf(string nodeId)
    {
        if (!NodeDevices.TryGetValue(nodeId, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            NodeDevices[nodeId] = set;
        }

        return set;
    }

    /// <summary>Delivers a kick to its node's subscriber (outside the lock, as pub/sub is); how many received it.</summary>
    public long Publish(string nodeId, ClusterKickMessage kick)
    {
        InMemoryClusterStore? subscriber;
        lock (Gate)
        {
            _subscribers.TryGetValue(nodeId, out subscriber);
        }

        if (subscriber is null)
        {
            return 0;
        }

        if (!LoseKicks)
        {
            subscriber.Deliver(kick.Kick);
        }

        return 1;
    }
}

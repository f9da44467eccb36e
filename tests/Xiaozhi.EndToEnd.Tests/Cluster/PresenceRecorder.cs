using System.Collections.Concurrent;
using System.Text.Json;
using StackExchange.Redis;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>Subscribes to <c>{prefix}presence</c> the way a consuming service would, and keeps the events in order.</summary>
internal sealed class PresenceRecorder
{
    private readonly ConcurrentQueue<PresenceSeen> _events = new();

    public static async Task<PresenceRecorder> StartAsync(ConnectionMultiplexer redis, string prefix)
    {
        var recorder = new PresenceRecorder();
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(prefix + "presence"));
        queue.OnMessage(message =>
        {
            using var json = JsonDocument.Parse(message.Message.ToString());
            var root = json.RootElement;
            recorder._events.Enqueue(new PresenceSeen(
                root.GetProperty("event").GetString()!,
                root.GetProperty("device_id").GetString()!,
                root.GetProperty("client_id").GetString()!,
                root.GetProperty("session_id").GetString()!,
                root.GetProperty("node_id").GetString()!,
                root.GetProperty("at").GetInt64(),
                root.EnumerateObject().Select(p => p.Name).ToArray()));
        });
        return recorder;
    }

    public IReadOnlyList<PresenceSeen> For(string deviceId) => _events.Where(e => e.DeviceId == deviceId).ToList();
}

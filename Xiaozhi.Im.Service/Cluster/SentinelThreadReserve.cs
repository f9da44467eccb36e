namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// Pool threads set aside for StackExchange.Redis's Sentinel handling, which blocks them during a failover: its
/// reconnect timer (every second) waits synchronously for a reconfiguration, and every <c>+switch-master</c> message
/// and reconnect asks each sentinel for the primary with synchronous calls, one blocked thread per sentinel plus one
/// waiting for them. The pool grows past its minimum by about one thread per half second, so without the reserve those
/// waits starved every other task of the node: device upgrades and hello answers stalled for seconds until the
/// failover ended. The reserve raises the pool's minimum (threads are still created only when work is queued).
/// </summary>
internal sealed class SentinelThreadReserve : IDisposable
{
    private static readonly Lock Gate = new();
    private readonly int _threads;
    private bool _released;

    private SentinelThreadReserve(int threads) => _threads = threads;

    /// <summary>What one multiplexer may block at once: the timer's and each sentinel's message handler, each waiting
    /// on one query per sentinel.</summary>
    public static int For(int sentinels) => (sentinels + 1) * (sentinels + 1);

    public static SentinelThreadReserve Take(int threads)
    {
        Adjust(threads);
        return new SentinelThreadReserve(threads);
    }

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            Adjust(-_threads);
        }
    }

    private static void Adjust(int threads)
    {
        lock (Gate)
        {
            ThreadPool.GetMinThreads(out var workers, out var completion);
            ThreadPool.SetMinThreads(Math.Max(Environment.ProcessorCount, workers + threads), completion);
        }
    }
}

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// One async lock per device id, held from the claim to the local registration, so that the order Redis saw the
/// claims of one device is the order this node registers them.
/// </summary>
internal sealed class DeviceLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string deviceId, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(deviceId, out entry!))
            {
                entry = new Entry();
                _entries[deviceId] = entry;
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(deviceId, entry);
            throw;
        }

        return new Hold(this, deviceId, entry);
    }

    private void Leave(string deviceId, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(deviceId);
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Hold(DeviceLocks owner, string deviceId, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                entry.Semaphore.Release();
                owner.Leave(deviceId, entry);
            }
        }
    }
}

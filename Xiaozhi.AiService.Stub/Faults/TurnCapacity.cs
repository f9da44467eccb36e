namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>
/// How many turns the stub plays at once over all sessions (<c>Stub:Faults:MaxConcurrentTurns</c>); more wait in
/// arrival order, so an overloaded stub answers later and later, as a GPU box does. 0 = no limit. The limit may change
/// at run time: raising it lets waiting turns in at once.
/// </summary>
internal sealed class TurnCapacity(int capacity)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = [];
    private int _capacity = capacity;
    private int _running;

    /// <summary>Turns played at once at most; 0 = no limit.</summary>
    public int Capacity
    {
        get
        {
            lock (_gate)
            {
                return _capacity;
            }
        }

        set
        {
            lock (_gate)
            {
                _capacity = Math.Max(0, value);
                AdmitLocked();
            }
        }
    }

    /// <summary>Turns playing now.</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Turns waiting for a slot now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Waits for a slot; disposing the result frees it. Cancelled while waiting: no slot is kept.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource admitted;
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (_capacity == 0 || _running < _capacity)
            {
                _running++;
                return new Slot(this);
            }

            admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(admitted);
        }

        try
        {
            await admitted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Slot(this);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                }
                else
                {
                    // Admitted just as it was cancelled: give the slot to the next.
                    _running--;
                    AdmitLocked();
                }
            }

            throw;
        }
    }

    private void Leave()
    {
        lock (_gate)
        {
            _running--;
            AdmitLocked();
        }
    }

    private void AdmitLocked()
    {
        while (_waiting.First is { } next && (_capacity == 0 || _running < _capacity))
        {
            _waiting.RemoveFirst();
            _running++;
            next.Value.TrySetResult();
        }
    }

    private sealed class Slot(TurnCapacity owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave();
            }
        }
    }
}

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// A wake-up for a session's supervisor. The supervisor calls <see cref="Arm"/> first, then checks its conditions,
/// then awaits the armed task; <see cref="Set"/> after <see cref="Arm"/> completes it, so no wake-up is lost.
/// </summary>
internal sealed class SessionSignal
{
    private readonly object _gate = new();
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes the armed task.</summary>
    public void Set()
    {
        lock (_gate)
        {
            _current.TrySetResult();
        }
    }

    /// <summary>Returns a task that completes at the next <see cref="Set"/> (a fresh one when the last was used).</summary>
    public Task Arm()
    {
        lock (_gate)
        {
            if (_current.Task.IsCompleted)
            {
                _current = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return _current.Task;
        }
    }
}

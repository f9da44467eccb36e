using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Configuration;

namespace Xiaozhi.AiService.Stub.Sessions;

/// <summary>Every session the stub has seen (bounded by <c>Stub:MaxRecordedSessions</c>), for tests and demos.</summary>
internal sealed class StubSessionRegistry
{
    private readonly object _gate = new();
    private readonly List<StubSession> _sessions = [];
    private readonly Dictionary<string, List<TaskCompletionSource<StubSession>>> _waiters = new(StringComparer.Ordinal);
    private readonly int _maxSessions;

    /// <summary>Created by the host's service container.</summary>
    public StubSessionRegistry(IOptions<StubOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxSessions = options.Value.MaxRecordedSessions;
    }

    /// <summary>All recorded sessions, oldest first.</summary>
    public IReadOnlyCollection<StubSession> Sessions
    {
        get
        {
            lock (_gate)
            {
                return [.. _sessions];
            }
        }
    }

    /// <summary>The most recent session with this id (a reconnect reuses the id).</summary>
    public bool TryGet(string sessionId, [MaybeNullWhen(false)] out StubSession session)
    {
        lock (_gate)
        {
            session = _sessions.LastOrDefault(s => s.SessionId == sessionId);
            return session is not null;
        }
    }

    /// <summary>The session with this id, waiting up to <paramref name="timeout"/> for it to open.</summary>
    /// <exception cref="TimeoutException">No such session opened in time.</exception>
    public async Task<StubSession> WaitForSessionAsync(string sessionId, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        TaskCompletionSource<StubSession> waiter;
        lock (_gate)
        {
            var existing = _sessions.LastOrDefault(s => s.SessionId == sessionId);
            if (existing is not null)
            {
                return existing;
            }

            waiter = new TaskCompletionSource<StubSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_waiters.TryGetValue(sessionId, out var list))
            {
                _waiters[sessionId] = list = [];
            }

            list.Add(waiter);
        }

        try
        {
            return await waiter.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                if (_waiters.TryGetValue(sessionId, out var list))
                {
                    list.Remove(waiter);
                    if (list.Count == 0)
                    {
                        _waiters.Remove(sessionId);
                    }
                }
            }

            throw new TimeoutException($"No ChatStream with session id '{sessionId}' opened within {timeout}.");
        }
    }

    /// <summary>Sessions whose stream is still open.</summary>
    internal IReadOnlyList<StubSession> Live
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Where(s => s.Writer is not null).ToArray();
            }
        }
    }

    internal void Register(StubSession session)
    {
        List<TaskCompletionSource<StubSession>>? waiters;
        lock (_gate)
        {
            if (_sessions.Count >= _maxSessions)
            {
                var oldest = _sessions.FindIndex(s => s.Writer is null);
                _sessions.RemoveAt(oldest >= 0 ? oldest : 0);
            }

            _sessions.Add(session);
            if (_waiters.Remove(session.SessionId, out waiters) is false)
            {
                waiters = null;
            }
        }

        foreach (var waiter in waiters ?? [])
        {
            waiter.TrySetResult(session);
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The one place that decides "this endpoint is being left, for a reason": while any reason holds, every session
/// watching the endpoint (<see cref="Watch"/>) is told to move at its own moment, drawn uniformly within
/// <see cref="MovesOptions.SpreadWindow"/>, so the other endpoints take the sessions over the window instead of in one
/// burst; the session then moves at its next quiet moment. When the last reason clears (the endpoint serves again, the
/// address comes back) the moments not yet reached are cancelled and the sessions told so are told to stay.
/// Transitions are logged once, not per session.
/// </summary>
internal sealed partial class EndpointDeparture
{
    private readonly Uri _endpoint;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly Action<EndpointDepartureReason>? _begun;
    private readonly Func<bool>? _othersServing;
    private readonly Lock _gate = new();
    private readonly List<Watcher> _watchers = [];
    private int _reasons;

    /// <summary>
    /// Creates the departure state of <paramref name="endpoint"/>; <paramref name="random"/> draws the moments (seeded in
    /// tests), <paramref name="begun"/> hears each reason that newly holds (the metric), <paramref name="othersServing"/>
    /// says whether another endpoint could take a session now (when none can, a session's moment is drawn again).
    /// </summary>
    public EndpointDeparture(Uri endpoint, TimeSpan window, TimeProvider time, Random random, ILogger logger, Action<EndpointDepartureReason>? begun = null, Func<bool>? othersServing = null)
    {
        _othersServing = othersServing;
        _endpoint = endpoint;
        _window = window;
        _time = time;
        _random = random;
        _logger = logger;
        _begun = begun;
    }

    /// <summary>The reasons that hold now; <see cref="EndpointDepartureReason.None"/> when the endpoint is not being left.</summary>
    public EndpointDepartureReason Reasons => (EndpointDepartureReason)Volatile.Read(ref _reasons);

    /// <summary>True while the endpoint is being left: the policy offers it to no session while others serve.</summary>
    public bool IsActive => Reasons != EndpointDepartureReason.None;

    /// <summary>Sessions watching the endpoint whose moment has not come yet.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count(w => w.Timer is not null);
            }
        }
    }

    /// <summary>
    /// A session on this endpoint watches it until it disposes the result (it moved or ended): <paramref name="move"/>
    /// is called (on a timer thread; quick) at its moment while the endpoint is being left, <paramref name="stay"/> when
    /// the departure ends after that.
    /// </summary>
    public IDisposable Watch(Action<EndpointDepartureReason> move, Action stay)
    {
        var watcher = new Watcher(this, move, stay);
        lock (_gate)
        {
            _watchers.Add(watcher);
            if (_reasons != 0)
            {
                Schedule(watcher);
            }
        }

        return watcher;
    }

    /// <summary>Adds <paramref name="reason"/>; true when this started the departure (the sessions' moments are drawn then).</summary>
    public bool Begin(EndpointDepartureReason reason)
    {
        int sessions;
        lock (_gate)
        {
            var before = _reasons;
            _reasons |= (int)reason;
            if (before == _reasons)
            {
                return false;
            }

            _begun?.Invoke(reason);
            if (before != 0)
            {
                return false;
            }

            foreach (var watcher in _watchers)
            {
                Schedule(watcher);
            }

            sessions = _watchers.Count;
        }

        LogLeaving(_logger, _endpoint, reason, sessions, _window);
        return true;
    }

    /// <summary>Clears <paramref name="reason"/>; true when no reason is left (the departure stopped).</summary>
    public bool End(EndpointDepartureReason reason)
    {
        List<Watcher> told;
        int stayed;
        lock (_gate)
        {
            if (_reasons == 0 || (_reasons & (int)reason) == 0)
            {
                return false;
            }

            _reasons &= ~(int)reason;
            if (_reasons != 0)
            {
                return false;
            }

            stayed = 0;
            told = [];
            foreach (var watcher in _watchers)
            {
                if (watcher.Timer is { } timer)
                {
                    timer.Dispose();
                    watcher.Timer = null;
                    stayed++;
                }
                else if (watcher.Told)
                {
                    watcher.Told = false;
                    told.Add(watcher);
                }
            }
        }

        LogStaying(_logger, _endpoint, reason, stayed, told.Count);
        foreach (var watcher in told)
        {
            watcher.Stay();
        }

        return true;
    }

    private void Schedule(Watcher watcher)
    {
        // Uniform over the window: N sessions arrive at the other endpoints at about N / window per second.
        // At least 1 ms: a timer due at once may run before it is recorded here, and its move would be lost.
        var due = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (long)(_window.Ticks * _random.NextDouble())));
        watcher.Timer = _time.CreateTimer(static w => ((Watcher)w!).Due(), watcher, due, Timeout.InfiniteTimeSpan);
    }

    private void OnDue(Watcher watcher)
    {
        EndpointDepartureReason reasons;
        lock (_gate)
        {
            if (watcher.Timer is null || _reasons == 0)
            {
                return;
            }

            watcher.Timer.Dispose();
            watcher.Timer = null;
            if (_othersServing?.Invoke() == false)
            {
                // Nowhere to go: a move would land here again. Try again later in the window.
                Schedule(watcher);
                return;
            }

            watcher.Told = true;
            reasons = (EndpointDepartureReason)_reasons;
        }

        watcher.Move(reasons);
    }

    private void Remove(Watcher watcher)
    {
        lock (_gate)
        {
            watcher.Timer?.Dispose();
            watcher.Timer = null;
            _watchers.Remove(watcher);
        }
    }

    [LoggerMessage(EventId = 3050, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} is being left ({Reason}): its {Sessions} sessions move to other endpoints at their next quiet moment, spread over {Window}")]
    private static partial void LogLeaving(ILogger logger, Uri endpoint, EndpointDepartureReason reason, int sessions, TimeSpan window);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint} is no longer being left ({Reason} cleared): {Stayed} sessions not yet moved stay, {Told} told to move stay if their move has not started")]
    private static partial void LogStaying(ILogger logger, Uri endpoint, EndpointDepartureReason reason, int stayed, int told);

    private sealed class Watcher(EndpointDeparture owner, Action<EndpointDepartureReason> move, Action stay) : IDisposable
    {
        public ITimer? Timer { get; set; }

        public bool Told { get; set; }

        public void Due() => owner.OnDue(this);

        public void Move(EndpointDepartureReason reasons) => move(reasons);

        public void Stay() => stay();

        public void Dispose() => owner.Remove(this);
    }
}

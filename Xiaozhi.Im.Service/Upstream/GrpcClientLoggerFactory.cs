using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The logger factory the gRPC client gets: its loggers write through the host's (same categories, level filters and
/// providers: <c>Logging:LogLevel:Grpc</c> still applies) but ignore scopes. Grpc.Net.Client opens a log scope around
/// every message it reads or writes; with a scope-aware provider in the host each one sets an AsyncLocal, which copies
/// the execution context twice per frame. Measured (<c>./build.sh bench</c>, 1 device): 3.7 → 3.1-3.2 KB allocated per
/// forwarded round trip. The gRPC client's own messages lose the call's scope fields (method, address).
/// </summary>
public sealed class ScopelessLoggerFactory : ILoggerFactory
{
    private readonly ILoggerFactory _inner;

    /// <summary>Wraps the host's factory (which stays the host's to dispose).</summary>
    public ScopelessLoggerFactory(ILoggerFactory inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new ScopelessLogger(_inner.CreateLogger(categoryName));

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    /// <summary>Nothing to release: the inner factory belongs to the host.</summary>
    public void Dispose()
    {
    }

    private sealed class ScopelessLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}

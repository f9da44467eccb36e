using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The logger factory the gRPC client gets: its loggers write through the host's (same categories, level filters and
/// providers: <c>Logging:LogLevel:Grpc</c> still applies) with two differences.
/// <list type="bullet">
/// <item>They ignore scopes. Grpc.Net.Client opens a log scope around every message it reads or writes; with a
/// scope-aware provider in the host each one sets an AsyncLocal, which copies the execution context twice per frame.
/// Measured (<c>./build.sh bench</c>, 1 device): 3.7 → 3.1-3.2 KB allocated per forwarded round trip. The gRPC client's
/// own messages lose the call's scope fields (method, address).</item>
/// <item>They report <see cref="LogLevel.Critical"/> as off. Grpc.Net.Client logs nothing at Critical; it asks
/// <c>IsEnabled(Critical)</c> only to decide whether logging is on at all, and then starts a client activity per call
/// (GrpcOut, and HttpClient a child HttpRequestOut under it) for log correlation. A ChatStream lives as long as its
/// session, so those two activities and their tags stayed alive per idle device: about 1 KB each at 10,000 devices
/// (counted on the heap). The session's trace context still reaches the AI service in the traceparent header.</item>
/// </list>
/// </summary>
internal sealed class GrpcClientLoggerFactory : ILoggerFactory
{
    private readonly ILoggerFactory _inner;

    /// <summary>Wraps the host's factory (which stays the host's to dispose).</summary>
    public GrpcClientLoggerFactory(ILoggerFactory inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new GrpcClientLogger(_inner.CreateLogger(categoryName));

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    /// <summary>Nothing to release: the inner factory belongs to the host.</summary>
    public void Dispose()
    {
    }

    private sealed class GrpcClientLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.Critical && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}

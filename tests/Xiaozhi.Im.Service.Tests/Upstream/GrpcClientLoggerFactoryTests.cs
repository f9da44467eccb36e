using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>The gRPC client's loggers: messages and level filters as the host's, scopes dropped, Critical off.</summary>
public class GrpcClientLoggerFactoryTests
{
    [Test]
    public void Messages_go_through_the_hosts_filters_and_providers_without_the_scopes()
    {
        var provider = new ScopeRecordingProvider();
        using var host = LoggerFactory.Create(b => b
            .AddProvider(provider)
            .SetMinimumLevel(LogLevel.Trace)
            .AddFilter("Grpc", LogLevel.Warning));
        using var factory = new GrpcClientLoggerFactory(host);
        var grpc = factory.CreateLogger("Grpc.Net.Client.Internal.GrpcCall");

        using (grpc.BeginScope("call scope"))
        {
            grpc.LogDebug("filtered out");
            grpc.LogWarning("kept");
        }

        grpc.IsEnabled(LogLevel.Debug).Should().BeFalse("Logging:LogLevel:Grpc applies");
        provider.Entries.Should().Equal("kept | scopes: ");

        // The same host logger without the wrapper does carry the scope (the test can fail).
        var plain = host.CreateLogger("Grpc.Net.Client.Internal.GrpcCall");
        using (plain.BeginScope("call scope"))
        {
            plain.LogWarning("plain");
        }

        provider.Entries.Should().EndWith("plain | scopes: call scope");
    }

    [Test]
    public void Critical_reads_as_off_so_grpc_starts_no_client_activity_per_call_for_log_correlation()
    {
        using var host = LoggerFactory.Create(b => b.AddProvider(new ScopeRecordingProvider()).SetMinimumLevel(LogLevel.Warning));
        using var factory = new GrpcClientLoggerFactory(host);
        var grpc = factory.CreateLogger("Grpc.Net.Client.Internal.GrpcCall");

        grpc.IsEnabled(LogLevel.Critical).Should().BeFalse("Grpc.Net.Client asks this only to decide on an activity per call");
        grpc.IsEnabled(LogLevel.Error).Should().BeTrue("its error messages still reach the host");
        host.CreateLogger("Grpc.Net.Client.Internal.GrpcCall").IsEnabled(LogLevel.Critical).Should().BeTrue("the host's own logger is unchanged");
    }

    private sealed class ScopeRecordingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public List<string> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Recorder(ScopeRecordingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                owner._scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
                owner.Entries.Add($"{formatter(state, exception)} | scopes: {string.Join(",", scopes)}");
            }
        }
    }
}

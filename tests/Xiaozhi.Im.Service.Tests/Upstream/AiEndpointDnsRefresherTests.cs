using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>dns:/// entries with a fake resolver and a <see cref="FakeTimeProvider"/>: nothing is dialled.</summary>
public sealed class AiEndpointDnsRefresherTests
{
    private const string Name = "dns:///ai.test:50051";

    private readonly FakeTimeProvider _time = new();
    private RecordingLogger<AiEndpointDnsRefresher> _log = null!;
    private FakeEndpointResolver _resolver = null!;
    private AiEndpointPool _pool = null!;
    private AiEndpointDnsRefresher _refresher = null!;
    private IOptions<AiOptions> _options = null!;

    [SetUp]
    public void SetUp() => Create(["http://fixed.test:1", Name]);

    [TearDown]
    public void TearDown()
    {
        _refresher.Dispose();
        _pool.Dispose();
    }

    private AiEndpointTarget Target => _pool.EndpointSet.DnsTargets.Single();

    private string[] Addresses => [.. _pool.Endpoints.Select(e => e.Address.ToString())];

    [Test]
    public async Task Every_address_becomes_an_endpoint_after_the_fixed_entries_and_new_ones_are_added()
    {
        Addresses.Should().Equal(["http://fixed.test:1/"], "nothing looked up yet");
        _resolver.Returns("10.0.0.1");
        await _refresher.RefreshAllAsync(CancellationToken.None);
        var first = _pool.Endpoints[1];

        _resolver.Returns("10.0.0.2", "10.0.0.1", "fd00::7");
        await _refresher.RefreshAllAsync(CancellationToken.None);

        Addresses.Should().Equal("http://fixed.test:1/", "http://10.0.0.1:50051/", "http://10.0.0.2:50051/", "http://[fd00::7]:50051/");
        _pool.Endpoints[1].Should().BeSameAs(first, "a kept address keeps its endpoint (and its connections)");
        _pool.Endpoints[2].Health.Should().Be(AiEndpointHealth.Unknown, "a new endpoint is offered until its health check says otherwise");
        _log.Entries.Should().ContainSingle(e => e.EventId == 3030 && e.Message.Contains("2 added, 0 retired; now 3"));
    }

    [Test]
    public async Task A_vanished_address_takes_no_new_sessions_and_is_closed_only_when_its_streams_ended()
    {
        _resolver.Returns("10.0.0.1", "10.0.0.2");
        await _refresher.RefreshAllAsync(CancellationToken.None);
        var leaving = _pool.Endpoints[2];
        var stream = leaving.ReserveConnection();

        _resolver.Returns("10.0.0.1");
        await _refresher.RefreshAllAsync(CancellationToken.None);

        Addresses.Should().Equal("http://fixed.test:1/", "http://10.0.0.1:50051/");
        _pool.EndpointSet.RetiredCount.Should().Be(1);
        _pool.EndpointSet.DisposeIdleRetired(TimeSpan.Zero).Should().BeEmpty("a session's stream still runs on it");
        stream.StreamClosed();
        _pool.EndpointSet.DisposeIdleRetired(TimeSpan.FromSeconds(6)).Should().BeEmpty("a session may have picked it just before it was retired");
        _time.Advance(TimeSpan.FromSeconds(6));
        _pool.EndpointSet.DisposeIdleRetired(TimeSpan.FromSeconds(6)).Should().Equal(leaving.Address);
        _pool.EndpointSet.RetiredCount.Should().Be(0);
    }

    [Test]
    public async Task An_address_that_flaps_back_is_the_same_endpoint_again()
    {
        _resolver.Returns("10.0.0.1", "10.0.0.2");
        await _refresher.RefreshAllAsync(CancellationToken.None);
        var flapping = _pool.Endpoints[2];

        _resolver.Returns("10.0.0.1");
        await _refresher.RefreshAllAsync(CancellationToken.None);
        _resolver.Returns("10.0.0.2", "10.0.0.1");
        await _refresher.RefreshAllAsync(CancellationToken.None);

        _pool.Endpoints[2].Should().BeSameAs(flapping, "its connections were never closed");
        _pool.EndpointSet.RetiredCount.Should().Be(0);
    }

    [Test]
    public async Task A_failed_or_empty_lookup_keeps_the_last_good_set_and_each_state_change_is_logged_once()
    {
        _resolver.Returns("10.0.0.1", "10.0.0.2");
        await _refresher.RefreshAllAsync(CancellationToken.None);

        _resolver.Fails();
        await _refresher.RefreshAllAsync(CancellationToken.None);
        await _refresher.RefreshAllAsync(CancellationToken.None);
        _resolver.Returns();
        await _refresher.RefreshAllAsync(CancellationToken.None);

        Addresses.Should().Equal("http://fixed.test:1/", "http://10.0.0.1:50051/", "http://10.0.0.2:50051/");
        _log.Entries.Where(e => e.EventId == 3031).Should().ContainSingle()
            .Which.Message.Should().Contain($"DNS lookup of {Name} failed (SocketException").And.Contain("keeping its last good 2 endpoint(s)");

        _resolver.Returns("10.0.0.1", "10.0.0.2");
        await _refresher.RefreshAllAsync(CancellationToken.None);
        await _refresher.RefreshAllAsync(CancellationToken.None);
        _resolver.Fails();
        await _refresher.RefreshAllAsync(CancellationToken.None);

        _log.Entries.Where(e => e.EventId == 3032).Should().ContainSingle().Which.Message.Should().Be($"DNS lookup of {Name} answers again: 2 endpoint(s)");
        _log.Entries.Count(e => e.EventId == 3031).Should().Be(2, "failing again is a new state change");
        _log.Entries.Where(e => e.EventId is 3031).Should().OnlyContain(e => e.Level == LogLevel.Warning);
    }

    [Test]
    public async Task A_name_that_never_answered_has_no_endpoints_until_it_does()
    {
        Create([Name]);
        _resolver.Fails();
        await _refresher.RefreshAllAsync(CancellationToken.None);
        _pool.Endpoints.Should().BeEmpty();
        _log.Entries.Should().ContainSingle(e => e.EventId == 3031).Which.Message.Should().Contain("keeping its last good 0 endpoint(s)");

        _resolver.Returns("10.0.0.1");
        await _refresher.RefreshAllAsync(CancellationToken.None);
        Addresses.Should().Equal("http://10.0.0.1:50051/");
    }

    [Test]
    public async Task The_name_is_looked_up_at_start_and_then_every_refresh_interval()
    {
        _resolver.Returns("10.0.0.1");
        var start = _time.GetUtcNow();
        await _refresher.StartAsync(CancellationToken.None);

        (await NextLookupAsync()).Should().Be(start, "the first lookup is at start");
        (await NextLookupAsync() - start).Should().BeCloseTo(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        Addresses.Should().HaveCount(2);
    }

    [Test]
    public async Task A_connection_failure_brings_the_next_lookup_forward_but_no_sooner_than_the_minimum_interval()
    {
        _resolver.Returns("10.0.0.1");
        var start = _time.GetUtcNow();
        await _refresher.StartAsync(CancellationToken.None);
        await NextLookupAsync();

        _pool.EndpointSet.RequestRefresh();
        _pool.EndpointSet.RequestRefresh();
        _pool.EndpointSet.RequestRefresh();

        (await NextLookupAsync() - start).Should().BeCloseTo(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), "Ai:DnsMinRefreshInterval, not Ai:DnsRefreshInterval");
        var early = _time.GetUtcNow();
        (await NextLookupAsync() - early).Should().BeCloseTo(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), "three requests made one early lookup");
    }

    [Test]
    public async Task An_endpoint_whose_health_check_finds_nobody_brings_the_next_lookup_forward()
    {
        var closed = Host.ImHost.ClosedEndpoint();
        Create([$"dns:///ai.test:{closed.Port}"]);
        _resolver.Returns("127.0.0.1");
        var start = _time.GetUtcNow();
        await _refresher.StartAsync(CancellationToken.None);
        await NextLookupAsync();
        using var monitor = new AiEndpointHealthMonitor(_pool, _options, _time, NullLogger<AiEndpointHealthMonitor>.Instance);

        await monitor.ProbeAllAsync(CancellationToken.None);

        _pool.Endpoints.Single().Health.Should().Be(AiEndpointHealth.Unreachable, "nothing listens there");
        (await NextLookupAsync() - start).Should().BeCloseTo(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
    }

    [Test]
    public async Task Only_dns_entries_are_looked_up()
    {
        Create(["http://fixed.test:1"]);
        await _refresher.StartAsync(CancellationToken.None);
        _pool.EndpointSet.RequestRefresh();
        _time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(50);

        _resolver.Calls.Should().Be(0);
    }

    private void Create(string[] endpoints)
    {
        _refresher?.Dispose();
        _pool?.Dispose();
        var options = _options = Options.Create(new AiOptions { Endpoints = [.. endpoints] });
        _resolver = new FakeEndpointResolver(_time);
        _log = new RecordingLogger<AiEndpointDnsRefresher>();
        _pool = new AiEndpointPool(options, _time, NullLoggerFactory.Instance);
        _refresher = new AiEndpointDnsRefresher(_pool, _resolver, options, _time, _log);
    }

    /// <summary>Moves fake time on in half-second steps until the refresher looks the name up; the fake time it did.</summary>
    private async Task<DateTimeOffset> NextLookupAsync()
    {
        for (var step = 0; step < 400; step++)
        {
            // The refresher runs on the thread pool: give it a moment to reach its next timer before time moves.
            for (var spin = 0; spin < 20; spin++)
            {
                if (_resolver.TryTakeCall(out var at))
                {
                    return at;
                }

                await Task.Delay(1);
            }

            _time.Advance(TimeSpan.FromMilliseconds(500));
        }

        throw new AssertionException($"no lookup within {_time.GetUtcNow()}");
    }
}

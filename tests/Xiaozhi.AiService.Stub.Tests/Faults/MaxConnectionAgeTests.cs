using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Faults;

public sealed class MaxConnectionAgeTests
{
    [Test]
    public async Task After_max_age_a_goaway_then_after_the_grace_the_old_streams_end()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await StubHost.StartAsync(
            ["--Stub:Faults:MaxConnectionAgeSeconds", "30", "--Stub:Faults:MaxConnectionAgeGraceSeconds", "5"],
            b => b.Services.AddSingleton<TimeProvider>(time));
        await using var old = host.Open();
        await VoiceTurnTests.PingBarrierAsync(old);
        host.ConnectionsOpened.Should().Be(1);

        time.Advance(TimeSpan.FromSeconds(29));
        host.Client.HealthCheck(new HealthCheckRequest());
        host.ConnectionsOpened.Should().Be(1, "the connection is younger than its max age");

        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(
            () =>
            {
                host.Client.HealthCheck(new HealthCheckRequest());
                return host.ConnectionsOpened == 2;
            },
            "after the GOAWAY new calls go to a new connection");

        // Graceful: the stream already open keeps working during the grace period.
        await VoiceTurnTests.PingBarrierAsync(old);
        await using var fresh = host.Open();
        await VoiceTurnTests.PingBarrierAsync(fresh);

        time.Advance(TimeSpan.FromSeconds(5));
        var error = await old.ExpectEndAsync();
        error.StatusCode.Should().BeOneOf(global::Grpc.Core.StatusCode.Unavailable, global::Grpc.Core.StatusCode.Internal, global::Grpc.Core.StatusCode.Cancelled);

        // The new connection is only 5 s old: its stream is unaffected.
        await VoiceTurnTests.PingBarrierAsync(fresh);
    }
}

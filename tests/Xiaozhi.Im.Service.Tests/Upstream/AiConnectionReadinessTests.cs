using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Im.Service.Tests.Host;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>
/// <see cref="AiConnection.WhenReadyAsync"/>: every caller waits on one connect attempt of the connection, each for
/// its own time; a caller that gives up does not end the attempt for the others. Real loopback sockets: the channel is
/// ready once its TCP connection is up.
/// </summary>
public class AiConnectionReadinessTests
{
    [Test]
    public async Task Waiters_on_a_down_endpoint_all_connect_when_it_listens_even_after_one_gave_up()
    {
        var address = ImHost.ClosedEndpoint();
        using var endpoint = new AiEndpoint(address, new AiOptions { ReconnectInitialBackoff = TimeSpan.FromMilliseconds(20), ReconnectMaxBackoff = TimeSpan.FromMilliseconds(100) }, NullLoggerFactory.Instance);
        var connection = endpoint.Connections[0];

        var impatient = connection.WhenReadyAsync(TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);
        var waiters = Enumerable.Range(0, 50).Select(_ => connection.WhenReadyAsync(TimeSpan.FromSeconds(20), TimeProvider.System, CancellationToken.None)).ToArray();
        await FluentActions.Awaiting(() => impatient).Should().ThrowAsync<TimeoutException>("nothing listens yet");
        waiters.Should().OnlyContain(w => !w.IsCompleted, "the endpoint is still down");

        var listener = new TcpListener(IPAddress.Loopback, address.Port);
        listener.Start();
        try
        {
            await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(20));
            connection.State.Should().Be(ConnectivityState.Ready);
            connection.WhenReadyAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None).IsCompletedSuccessfully
                .Should().BeTrue("a ready connection answers at once, even with no time to wait");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Test]
    public async Task A_cancelled_waiter_stops_waiting_at_once_and_the_others_keep_waiting()
    {
        using var endpoint = new AiEndpoint(ImHost.ClosedEndpoint(), new AiOptions(), NullLoggerFactory.Instance);
        var connection = endpoint.Connections[0];
        using var cancel = new CancellationTokenSource();

        var cancelled = connection.WhenReadyAsync(TimeSpan.FromSeconds(20), TimeProvider.System, cancel.Token);
        var other = connection.WhenReadyAsync(TimeSpan.FromSeconds(20), TimeProvider.System, CancellationToken.None);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        other.IsCompleted.Should().BeFalse("its wait is its own");
    }
}

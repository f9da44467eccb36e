using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>
/// The connection watch: a server that ends the connection (end of stream, or a read error) is reported once as lost,
/// before the HTTP/2 client would fail the streams; a connection this side disposed is closed, not lost.
/// </summary>
public class Http2GoAwayWatchStreamTests
{
    [Test]
    public async Task End_of_stream_from_the_server_is_reported_lost_once()
    {
        var lost = 0;
        await using var watch = new Http2GoAwayWatchStream(new MemoryStream([]), () => { }, onLost: () => lost++);

        (await watch.ReadAsync(new byte[16])).Should().Be(0);
        (await watch.ReadAsync(new byte[16])).Should().Be(0);

        lost.Should().Be(1);
    }

    [Test]
    public async Task A_read_error_is_reported_lost_and_still_thrown()
    {
        var lost = 0;
        await using var watch = new Http2GoAwayWatchStream(new FailingStream(), () => { }, onLost: () => lost++);

        await FluentActions.Awaiting(async () => await watch.ReadAsync(new byte[16])).Should().ThrowAsync<IOException>();

        lost.Should().Be(1);
    }

    [Test]
    public async Task Data_is_not_a_loss_and_a_connection_disposed_here_is_closed_not_lost()
    {
        var lost = 0;
        var closed = 0;
        var watch = new Http2GoAwayWatchStream(new MemoryStream([1, 2, 3]), () => { }, () => closed++, () => lost++);

        (await watch.ReadAsync(new byte[2])).Should().Be(2);
        lost.Should().Be(0);
        await watch.DisposeAsync();
        await FluentActions.Awaiting(async () => await watch.ReadAsync(new byte[16])).Should().ThrowAsync<ObjectDisposedException>();

        closed.Should().Be(1);
        lost.Should().Be(0, "this side ended the connection");
    }

    private sealed class FailingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("connection reset by peer"));
    }
}

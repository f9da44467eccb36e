using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

public class Http2FrameScannerTests
{
    private static byte[] Frame(byte type, int streamId, int payloadLength, byte flags = 0)
    {
        var frame = new byte[Http2FrameHeader.Size + payloadLength];
        frame[0] = (byte)(payloadLength >> 16);
        frame[1] = (byte)(payloadLength >> 8);
        frame[2] = (byte)payloadLength;
        frame[3] = type;
        frame[4] = flags;
        frame[5] = (byte)((streamId >> 24) | 0x80); // the reserved bit set: must be ignored
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
        for (var i = Http2FrameHeader.Size; i < frame.Length; i++)
        {
            frame[i] = Http2FrameHeader.GoAwayType; // payload bytes that look like frame types must not confuse it
        }

        return frame;
    }

    private static byte[] ServerSequence() =>
    [
        .. Frame(0x4, 0, 18),            // SETTINGS (the server's connection preface)
        .. Frame(0x4, 0, 0, flags: 1),   // SETTINGS ack
        .. Frame(0x8, 0, 4),             // WINDOW_UPDATE
        .. Frame(0x1, 1, 40, flags: 4),  // HEADERS
        .. Frame(0x0, 1, 20_000),        // DATA spanning many reads
        .. Frame(0x6, 0, 8, flags: 1),   // PING ack
        .. Frame(0x7, 0, 8 + 17),        // GOAWAY with debug data
        .. Frame(0x0, 3, 5),             // DATA after it
    ];

    private static List<Http2FrameHeader> Scan(byte[] bytes, int chunk)
    {
        var seen = new List<Http2FrameHeader>();
        var scanner = new Http2FrameScanner(seen.Add);
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            scanner.Feed(bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset)));
        }

        return seen;
    }

    [TestCase(1)]
    [TestCase(4)]
    [TestCase(9)]
    [TestCase(13)]
    [TestCase(4096)]
    [TestCase(1 << 20)]
    public void Every_frame_header_is_found_whatever_the_read_sizes(int chunk)
    {
        var frames = Scan(ServerSequence(), chunk);

        frames.Select(f => f.Type).Should().Equal(0x4, 0x4, 0x8, 0x1, 0x0, 0x6, 0x7, 0x0);
        frames.Select(f => f.Length).Should().Equal(18, 0, 4, 40, 20_000, 8, 25, 5);
        frames.Select(f => f.StreamId).Should().Equal(0, 0, 0, 1, 1, 0, 0, 3);
        frames.Count(f => f.IsGoAway).Should().Be(1);
    }

    [Test]
    public void A_goaway_header_split_across_reads_is_reported_when_its_last_byte_arrives()
    {
        var bytes = Frame(0x7, 0, 8);
        var seen = new List<Http2FrameHeader>();
        var scanner = new Http2FrameScanner(seen.Add);

        scanner.Feed(bytes.AsSpan(0, 5));
        seen.Should().BeEmpty();
        scanner.Feed(bytes.AsSpan(5, 4));

        seen.Should().ContainSingle().Which.IsGoAway.Should().BeTrue();
    }

    [Test]
    public async Task The_watch_stream_passes_bytes_through_unchanged_and_reports_the_first_goaway_once()
    {
        var bytes = (byte[])[.. ServerSequence(), .. Frame(0x7, 0, 8)];
        var reports = 0;
        await using var watched = new Http2GoAwayWatchStream(new MemoryStream(bytes), () => reports++);
        using var copy = new MemoryStream();
        var buffer = new byte[333];
        int read;
        while ((read = await watched.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        copy.ToArray().Should().Equal(bytes);
        reports.Should().Be(1, "a connection goes away once");
    }

    [Test]
    public void No_goaway_no_report()
    {
        var reports = 0;
        using var watched = new Http2GoAwayWatchStream(new MemoryStream([.. Frame(0x4, 0, 6), .. Frame(0x0, 1, 100)]), () => reports++);
        var buffer = new byte[50];
        while (watched.Read(buffer, 0, buffer.Length) > 0)
        {
        }

        reports.Should().Be(0);
    }
}

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// Follows the frame boundaries of the server-to-client half of an HTTP/2 connection, byte chunk by byte chunk
/// (reads may split a header or span several frames), and reports every frame header. Payloads are skipped, never
/// copied or interpreted. Used to see GOAWAY, which .NET's HTTP/2 client does not surface.
/// </summary>
internal sealed class Http2FrameScanner
{
    private readonly Action<Http2FrameHeader> _onFrame;
    private readonly byte[] _header = new byte[Http2FrameHeader.Size];
    private int _headerFilled;
    private int _payloadRemaining;

    /// <summary>Creates a scanner at the start of the server's frame sequence.</summary>
    public Http2FrameScanner(Action<Http2FrameHeader> onFrame) => _onFrame = onFrame;

    /// <summary>Consumes the next bytes the server sent.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_payloadRemaining > 0)
            {
                var skip = Math.Min(_payloadRemaining, data.Length);
                _payloadRemaining -= skip;
                data = data[skip..];
                continue;
            }

            var take = Math.Min(Http2FrameHeader.Size - _headerFilled, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            data = data[take..];
            if (_headerFilled < Http2FrameHeader.Size)
            {
                return;
            }

            _headerFilled = 0;
            var header = new Http2FrameHeader(
                (_header[0] << 16) | (_header[1] << 8) | _header[2],
                _header[3],
                _header[4],
                ((_header[5] & 0x7F) << 24) | (_header[6] << 16) | (_header[7] << 8) | _header[8]);
            _payloadRemaining = header.Length;
            _onFrame(header);
        }
    }
}

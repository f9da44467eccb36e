namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// A pass-through wrapper of one HTTP/2 connection's plaintext stream (installed with
/// <see cref="SocketsHttpHandler.PlaintextStreamFilter"/>, so it sits after TLS): bytes are read and written unchanged,
/// the read side is followed by an <see cref="Http2FrameScanner"/>, and the first GOAWAY the server sends on this
/// connection is reported once.
/// </summary>
internal sealed class Http2GoAwayWatchStream : Stream
{
    private readonly Stream _inner;
    private readonly Http2FrameScanner _scanner;
    private readonly Action _onGoAway;
    private readonly Action? _onClosed;
    private readonly Action? _onLost;
    private int _reported;
    private int _closed;
    private int _lost;

    /// <summary>
    /// Wraps <paramref name="inner"/>; <paramref name="onGoAway"/> runs on the connection's reader, keep it short;
    /// <paramref name="onClosed"/> runs once when the connection is disposed; <paramref name="onLost"/> runs once, on
    /// the reader, when the server side ends the connection (end of stream or a read error before this side disposed
    /// it) — before the HTTP/2 client fails the streams that were open on it.
    /// </summary>
    public Http2GoAwayWatchStream(Stream inner, Action onGoAway, Action? onClosed = null, Action? onLost = null)
    {
        _inner = inner;
        _onGoAway = onGoAway;
        _onClosed = onClosed;
        _onLost = onLost;
        _scanner = new Http2FrameScanner(OnFrame);
    }

    /// <inheritdoc />
    public override bool CanRead => _inner.CanRead;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => _inner.CanWrite;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            ReportLost();
            throw;
        }

        return Observe(buffer[..read], requested: buffer.Length);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            ReportLost();
            throw;
        }

        return Observe(buffer.Span[..read], requested: buffer.Length);
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        NotifyClosed();
        return _inner.DisposeAsync();
    }

    private void NotifyClosed()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _onClosed?.Invoke();
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            NotifyClosed();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Follows the frames read; a read of nothing when something was asked for is the server's end of stream.</summary>
    private int Observe(ReadOnlySpan<byte> read, int requested)
    {
        if (read.IsEmpty && requested > 0)
        {
            ReportLost();
        }

        _scanner.Feed(read);
        return read.Length;
    }

    private void ReportLost()
    {
        // A read that fails because this side disposed the connection is not a loss.
        if (Volatile.Read(ref _closed) == 0 && Interlocked.Exchange(ref _lost, 1) == 0)
        {
            _onLost?.Invoke();
        }
    }

    private void OnFrame(Http2FrameHeader header)
    {
        if (header.IsGoAway && Interlocked.Exchange(ref _reported, 1) == 0)
        {
            _onGoAway();
        }
    }
}

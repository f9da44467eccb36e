namespace Xiaozhi.Hosting;

/// <summary>The signals a test or a soak sends a child, with their Linux numbers (x86-64 and arm64).</summary>
public enum PosixSignal
{
    /// <summary>A crash: no drain, no last write, no goodbye to Redis; the kernel closes the sockets.</summary>
    Kill = 9,

    /// <summary>A graceful stop: the gateway drains its sessions, Redis and haproxy exit cleanly.</summary>
    Terminate = 15,

    /// <summary>Undoes <see cref="Stop"/>.</summary>
    Continue = 18,

    /// <summary>A hung process: it keeps its sockets open and answers nothing.</summary>
    Stop = 19,
}

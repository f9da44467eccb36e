namespace Xiaozhi.Im.Service.Admission;

/// <summary>Who gets in and how long they may stay quiet or loud (section <c>Admission</c>). Safe defaults; each is tested.</summary>
internal sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>Concurrent device sessions; beyond it upgrades get 503. Default 10000.</summary>
    public int MaxConcurrentSessions { get; set; } = 10_000;

    /// <summary>
    /// Sustained new connections per second from one IP address; beyond it 429. Default 20 (fleets behind one NAT or a
    /// reverse proxy share an address).
    /// </summary>
    public double PerIpConnectionsPerSecond { get; set; } = 20;

    /// <summary>Connections one IP may open at once before the rate applies (e.g. a NAT'd fleet reconnecting). Default 200.</summary>
    public int PerIpConnectionBurst { get; set; } = 200;

    /// <summary>
    /// Connections one IP address (an IPv6 /64) may hold open at once, from admission until the connection ends; beyond
    /// it 429. Default 1000 (a NAT'd fleet shares an address; one host needs a handful).
    /// </summary>
    public int PerIpConcurrentConnections { get; set; } = 1000;

    /// <summary>Time a client has to send its upgrade request headers (Kestrel). Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A session with no <c>hello</c> by then is closed 1008. Default 30 s.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A session with no frame from the device nor the AI by then, and no answer in progress, is closed 1000. Default 180 s
    /// (firmware gives up after 120 s).
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>Sustained device messages per second per session; a flood beyond it gets an alert and close 1008. Default 100.</summary>
    public double MessagesPerSecond { get; set; } = 100;

    /// <summary>Messages a session may send at once before the rate applies. Default 200.</summary>
    public int MessageBurst { get; set; } = 200;

    /// <summary>Browser origins allowed to connect (exact <c>scheme://host[:port]</c>); empty = any. Requests without Origin (devices) always pass.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

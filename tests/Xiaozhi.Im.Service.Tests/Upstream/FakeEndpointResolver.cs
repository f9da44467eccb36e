using System.Net;
using System.Threading.Channels;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>A DNS answer set by the test; every lookup is recorded with the (fake) time it happened.</summary>
internal sealed class FakeEndpointResolver(TimeProvider time) : IAiEndpointResolver
{
    private readonly Channel<DateTimeOffset> _calls = Channel.CreateUnbounded<DateTimeOffset>();

    /// <summary>What the next lookups return; an exception is thrown as the lookup's failure.</summary>
    public Func<string, IPAddress[]> Answer { get; set; } = _ => [];

    public int Calls { get; private set; }

    public void Returns(params string[] addresses) => Answer = _ => [.. addresses.Select(IPAddress.Parse)];

    public void Fails() => Answer = host => throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Calls++;
        _calls.Writer.TryWrite(time.GetUtcNow());
        try
        {
            return Task.FromResult(Answer(host));
        }
        catch (Exception ex)
        {
            return Task.FromException<IPAddress[]>(ex);
        }
    }

    /// <summary>The fake time of the next lookup not yet taken, if one happened.</summary>
    public bool TryTakeCall(out DateTimeOffset at) => _calls.Reader.TryRead(out at);
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>A server that only says where it listens: what <c>ClusterNodeService</c> reads for the node key's device_url.</summary>
internal sealed class ListeningServer : IServer
{
    public ListeningServer(string address)
    {
        var addresses = new ServerAddressesFeature();
        addresses.Addresses.Add(address);
        Features.Set<IServerAddressesFeature>(addresses);
    }

    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}

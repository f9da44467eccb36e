using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>Reads a node's management endpoints.</summary>
internal static class Http
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<string> ReadyzAsync(Gateway node)
    {
        var management = node.Im.Services.GetRequiredService<Xiaozhi.Im.Service.Management.ManagementServer>().Addresses[0];
        using var response = await Client.GetAsync(new Uri(management, "/readyz"));
        response.IsSuccessStatusCode.Should().BeTrue("a Redis outage never makes the node unready");
        return await response.Content.ReadAsStringAsync();
    }
}

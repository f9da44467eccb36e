using Microsoft.Extensions.Configuration;

namespace Xiaozhi.Im.Service.Configuration;

/// <summary>The Go service's config.yaml as a configuration source, its keys mapped to this host's.</summary>
internal sealed class GoServiceConfigSource(string path, Func<IConfiguration, IEnumerable<KeyValuePair<string, string?>>> map) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new GoServiceConfigProvider(path, map);
}

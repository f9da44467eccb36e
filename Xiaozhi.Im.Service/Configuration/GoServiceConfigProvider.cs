using Microsoft.Extensions.Configuration;

namespace Xiaozhi.Im.Service.Configuration;

/// <summary>
/// Reads the YAML file through the YAML configuration provider (no hand parsing) and exposes only the mapped keys.
/// A missing or unreadable file stops start-up with a message naming the file and the setting.
/// </summary>
internal sealed class GoServiceConfigProvider(string path, Func<IConfiguration, IEnumerable<KeyValuePair<string, string?>>> map) : ConfigurationProvider
{
    public override void Load()
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{GoServiceConfigFile.PathKey} points at '{path}', which does not exist.", path);
        }

        IConfiguration file;
        try
        {
            file = new ConfigurationBuilder().AddYamlFile(path, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{GoServiceConfigFile.PathKey}: '{path}' is not a readable YAML configuration: {ex.Message}", ex);
        }

        Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in map(file))
        {
            if (!string.IsNullOrEmpty(value))
            {
                Data[key] = value;
            }
        }
    }
}

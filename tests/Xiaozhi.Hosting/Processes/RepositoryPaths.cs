using System.Reflection;

namespace Xiaozhi.Hosting;

/// <summary>Files of this repository (the shipped deploy/ files, the built stub), from the kit's build.</summary>
public static class RepositoryPaths
{
    private static readonly Dictionary<string, string> Metadata =
        typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value ?? "");

    /// <summary>The repository root (the directory holding Xiaozhi.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the kit was built in (Debug, Release): the callers' binaries were built the same way.</summary>
    public static string Configuration => Metadata.GetValueOrDefault("Configuration") is { Length: > 0 } configuration ? configuration : "Debug";

    /// <summary>A path under the root, from '/'-separated parts.</summary>
    public static string Of(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Xiaozhi.sln")))
            {
                return directory.FullName;
            }
        }

        // Built here, run from elsewhere (a copied output): the root recorded at build time.
        return Metadata.GetValueOrDefault("RepositoryRoot") is { Length: > 0 } root && File.Exists(Path.Combine(root, "Xiaozhi.sln"))
            ? root
            : throw new InvalidOperationException($"no Xiaozhi.sln above {AppContext.BaseDirectory}");
    }
}

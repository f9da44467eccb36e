namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>Files of this repository (the shipped deploy/ files the tests check), found from the test output upwards.</summary>
internal static class RepositoryFiles
{
    /// <summary>The repository root (the directory holding Xiaozhi.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the root, from '/'-separated parts.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The text of a file under the root.</summary>
    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Xiaozhi.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Xiaozhi.sln above {AppContext.BaseDirectory}: the deployment tests read the repository's deploy/ files");
    }
}

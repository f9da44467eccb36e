namespace Xiaozhi.Testing.Documentation;

/// <summary>Files of the repository (the folder holding Xiaozhi.sln), found from the test's output folder.</summary>
public static class RepositoryFiles
{
    public static DirectoryInfo Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root.FullName, relative);

    public static string Read(string relative)
    {
        var path = Path(relative);
        File.Exists(path).Should().BeTrue($"{relative} is part of the repository");
        return File.ReadAllText(path);
    }

    private static DirectoryInfo FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Xiaozhi.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"Xiaozhi.sln not found above {AppContext.BaseDirectory}.");
    }
}

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>The repository root (the folder holding Xiaozhi.sln), found from the test's output folder.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Xiaozhi.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Xiaozhi.sln not found above {AppContext.BaseDirectory}.");
    }
}

namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>Finds the repository root (the folder holding Xiaozhi.sln) from the test's output folder.</summary>
internal static class RepositoryLayout
{
    public static DirectoryInfo Root { get; } = Find();

    private static DirectoryInfo Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Xiaozhi.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"Xiaozhi.sln not found above {AppContext.BaseDirectory}.");
    }
}

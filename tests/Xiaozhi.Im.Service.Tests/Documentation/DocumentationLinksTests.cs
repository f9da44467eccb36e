using Xiaozhi.Testing.Documentation;

namespace Xiaozhi.Im.Service.Tests.Documentation;

/// <summary>Every relative link of the README, CONTRIBUTING.md and docs/ reaches a file, and its #anchor a heading.</summary>
public sealed class DocumentationLinksTests
{
    private static IEnumerable<string> Documents() =>
        new[] { "README.md", "CONTRIBUTING.md", "Xiaozhi.Grpc.Proto/README.md", "Xiaozhi.Grpc.Proto/CHANGELOG.md" }
            .Concat(Directory.GetFiles(RepositoryFiles.Path("docs"), "*.md").Select(f => Path.GetRelativePath(RepositoryFiles.Root.FullName, f)));

    [Test]
    public void Relative_links_and_anchors_resolve()
    {
        var problems = new List<string>();
        var documents = Documents().ToList();
        foreach (var document in documents)
        {
            var text = RepositoryFiles.Read(document);
            foreach (var target in MarkdownText.LinkTargets(text).Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith("mailto:", StringComparison.Ordinal)))
            {
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var path = file.Length == 0
                    ? RepositoryFiles.Path(document)
                    : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepositoryFiles.Path(document))!, file));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    problems.Add($"{document}: ({target}) → {Path.GetRelativePath(RepositoryFiles.Root.FullName, path)} does not exist");
                }
                else if (anchor is not null && path.EndsWith(".md", StringComparison.Ordinal) && !MarkdownText.Anchors(File.ReadAllText(path)).Contains(anchor))
                {
                    problems.Add($"{document}: ({target}) → no heading with the anchor #{anchor}");
                }
            }
        }

        documents.Should().Contain("docs/architecture.md");
        string.Join(Environment.NewLine, problems).Should().BeEmpty();
    }
}

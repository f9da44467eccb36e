using System.Xml.Linq;

namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>The version about to be packed has its section in the changelog, and the changelog states the compatibility rule.</summary>
public sealed class ChangelogTests
{
    [Test]
    public void The_changelog_has_a_section_for_the_version_in_Directory_Build_props_and_the_compatibility_rule()
    {
        var props = XDocument.Load(Path.Combine(RepositoryLayout.Root.FullName, "Directory.Build.props"));
        var version = props.Descendants("VersionPrefix").Single().Value.Trim();
        var lines = File.ReadAllLines(Path.Combine(RepositoryLayout.Root.FullName, "Xiaozhi.Grpc.Proto", "CHANGELOG.md"));

        lines.Should().Contain(l => l.StartsWith($"## {version} ", StringComparison.Ordinal) || l == $"## {version}",
            $"VersionPrefix is {version}: record what it changes in Xiaozhi.Grpc.Proto/CHANGELOG.md before packing it");
        lines.Should().Contain("## Compatibility rule");
        string.Join('\n', lines).Should().Contain("wire-compatible additions are allowed");
    }
}

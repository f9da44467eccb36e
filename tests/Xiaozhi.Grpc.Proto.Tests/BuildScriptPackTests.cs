namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>
/// build.ps1's <c>pack</c> under PowerShell 7 (the repository's tool manifest), so the twin of build.sh cannot drift
/// unseen. Here, not in the e2e suite: it builds this project in Release, which <see cref="PackageConsumptionTests"/>
/// does too, and tests of one assembly do not overlap.
/// </summary>
[NonParallelizable]
public sealed class BuildScriptPackTests
{
    [Test]
    public async Task Build_ps1_pack_writes_the_package_and_its_symbols_into_artifacts_packages()
    {
        var packages = Path.Combine(RepositoryLayout.Root.FullName, "artifacts", "packages");
        var (exit, output) = await DotnetCli.RunAsync(
            RepositoryLayout.Root.FullName, TimeSpan.FromMinutes(4),
            "tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-File", "build.ps1", "pack");

        exit.Should().Be(0, output);
        var listed = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith(packages, StringComparison.Ordinal)).ToList();
        listed.Should().Contain(Path.Combine(packages, "Xiaozhi.Grpc.Proto.0.1.0.nupkg"), output)
            .And.Contain(Path.Combine(packages, "Xiaozhi.Grpc.Proto.0.1.0.snupkg"));
        listed.Should().OnlyContain(path => File.Exists(path));
    }
}

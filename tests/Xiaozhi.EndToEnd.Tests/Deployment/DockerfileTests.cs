using System.Text.Json;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>
/// deploy/docker/Dockerfile. No Docker engine runs here, so its build stage is replayed: its COPY lines (minus what
/// Dockerfile.dockerignore leaves out) into a scratch directory, its RUN dotnet lines there, in order; the output
/// must be the program the runtime stage starts. The runtime stage is checked as written.
/// </summary>
public sealed class DockerfileTests
{
    private const string DockerfilePath = "deploy/docker/Dockerfile";

    private static IReadOnlyList<DockerfileInstruction> Instructions => DockerfileInstruction.Parse(RepositoryFiles.Read(DockerfilePath));

    private static IReadOnlyList<DockerfileInstruction> RuntimeStage => Instructions.Where(i => i.Stage == Instructions[^1].Stage).ToList();

    [Test]
    public void Builds_in_two_stages_and_runs_as_an_unprivileged_user_on_the_sdk_it_targets()
    {
        var from = Instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments).ToList();
        var framework = System.Text.RegularExpressions.Regex.Match(RepositoryFiles.Read("Directory.Build.props"), @"<TargetFramework>net(?<version>[\d.]+)</TargetFramework>").Groups["version"].Value;

        from.Should().HaveCount(2);
        from[0].Should().StartWith($"mcr.microsoft.com/dotnet/sdk:{framework} ");
        from[1].Should().StartWith($"mcr.microsoft.com/dotnet/aspnet:{framework} ");
        var user = RuntimeStage.Where(i => i.Keyword == "USER").Should().ContainSingle().Subject.Arguments;
        new[] { "root", "0", "0:0" }.Should().NotContain(user);
        RuntimeStage.Where(i => i.Keyword == "COPY").Should().OnlyContain(i => i.Arguments.StartsWith("--from=", StringComparison.Ordinal), "the runtime image holds the published output only");
    }

    [Test]
    public void No_secret_is_baked_into_a_layer_and_key_material_stays_out_of_the_context()
    {
        var settings = Instructions.Where(i => i.Keyword is "ENV" or "ARG").Select(i => i.Arguments).ToList();
        var ignore = RepositoryFiles.Read($"{DockerfilePath}.dockerignore");

        settings.Should().NotContain(s => s.Contains("Secret", StringComparison.OrdinalIgnoreCase) || s.Contains("Password", StringComparison.OrdinalIgnoreCase) || s.Contains("Token", StringComparison.OrdinalIgnoreCase));
        Excluded(ignore, "Xiaozhi.Im.Service/local.env").Should().BeTrue();
        Excluded(ignore, "certs/client.pfx").Should().BeTrue();
        Excluded(ignore, "Xiaozhi.Im.Service/bin/Debug/net10.0/Xiaozhi.Im.Service.dll").Should().BeTrue();
        Excluded(ignore, "Xiaozhi.Im.Service/Program.cs").Should().BeFalse();
    }

    [Test]
    public void The_runtime_stage_listens_for_devices_and_probes_on_every_interface()
    {
        var env = string.Join(' ', RuntimeStage.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));
        var expose = RuntimeStage.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

        // The aspnet image sets ASPNETCORE_HTTP_PORTS=8080, which the gateway honours: the image must say 8000.
        env.Should().Contain("ASPNETCORE_HTTP_PORTS=8000");
        env.Should().Contain("Management__Urls=http://0.0.0.0:9090", "the management port's default is loopback, unreachable from a probe");
        expose.Should().BeEquivalentTo(["8000", "9090"]);
    }

    [Test]
    public async Task The_build_stage_replayed_here_publishes_the_program_the_runtime_stage_starts()
    {
        var scratch = Directory.CreateTempSubdirectory("xiaozhi-docker-");
        try
        {
            var ignore = RepositoryFiles.Read($"{DockerfilePath}.dockerignore");
            var workdir = scratch.FullName;
            string Map(string path) => path.StartsWith('/') ? Path.Combine(scratch.FullName, path.TrimStart('/')) : Path.Combine(workdir, path);

            var build = Instructions.Where(i => i.Stage == Instructions[0].Stage).ToList();
            foreach (var instruction in build)
            {
                switch (instruction.Keyword)
                {
                    case "WORKDIR":
                        workdir = Map(instruction.Arguments);
                        Directory.CreateDirectory(workdir);
                        break;
                    case "COPY":
                        var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        foreach (var source in parts[..^1])
                        {
                            CopyIntoContext(source, Map(parts[^1]), ignore);
                        }

                        break;
                    case "RUN":
                        var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        words[0].Should().Be("dotnet", "the build stage runs dotnet only (anything else cannot be replayed here)");
                        var result = await ExternalTool.RunAsync("dotnet", "dotnet-sdk-10.0", words[1..].Select(w => w.StartsWith('/') ? Map(w) : w), workdir, timeout: TimeSpan.FromMinutes(5));
                        result.ExitCode.Should().Be(0, result.ToString());
                        break;
                }
            }

            var copy = RuntimeStage.Single(i => i.Keyword == "COPY").Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var published = Map(copy[1]);
            var entrypoint = JsonSerializer.Deserialize<string[]>(RuntimeStage.Single(i => i.Keyword == "ENTRYPOINT").Arguments)!;
            entrypoint[0].Should().Be("dotnet");
            File.Exists(Path.Combine(published, entrypoint[1])).Should().BeTrue($"{entrypoint[1]} is published into {copy[1]}");
            Directory.GetFiles(published, "*.pdb").Should().NotBeEmpty("a Release publish (symbols for stack traces)");

            var help = await ExternalTool.RunAsync("dotnet", "dotnet-sdk-10.0", [Path.Combine(published, entrypoint[1]), "--help"], published);
            help.ExitCode.Should().Be(0, help.ToString());
            help.Output.Should().Contain("Xiaozhi IM gateway");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>COPY with a destination directory: a file lands in it, a directory's contents land in it.</summary>
    private static void CopyIntoContext(string source, string destination, string ignore)
    {
        var full = RepositoryFiles.PathOf(source.TrimEnd('/'));
        var files = File.Exists(full)
            ? [(File: full, Relative: Path.GetFileName(full))]
            : Directory.GetFiles(full, "*", SearchOption.AllDirectories).Select(f => (File: f, Relative: Path.GetRelativePath(full, f))).ToArray();
        files.Should().NotBeEmpty($"COPY {source} copies something");
        foreach (var (file, relative) in files)
        {
            if (Excluded(ignore, Path.GetRelativePath(RepositoryFiles.Root, file).Replace(Path.DirectorySeparatorChar, '/')))
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>Whether a .dockerignore leaves <paramref name="relative"/> out (the subset used here: globs, directories, "!" exceptions).</summary>
    private static bool Excluded(string ignore, string relative)
    {
        var excludes = new Matcher(StringComparison.Ordinal);
        var exceptions = new Matcher(StringComparison.Ordinal);
        foreach (var line in ignore.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var matcher = line.StartsWith('!') ? exceptions : excludes;
            var pattern = line.TrimStart('!').TrimEnd('/');
            matcher.AddInclude(pattern);
            matcher.AddInclude(pattern + "/**");
        }

        return excludes.Match(relative).HasMatches && !exceptions.Match(relative).HasMatches;
    }
}

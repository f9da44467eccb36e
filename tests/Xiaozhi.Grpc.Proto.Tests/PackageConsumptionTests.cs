using System.IO.Compression;
using System.Xml.Linq;

namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>
/// Packs Xiaozhi.Grpc.Proto for real, then restores it from a local folder feed into a brand-new project
/// (outside this repository) that compiles both a client and a server against it — what another team does.
/// </summary>
[NonParallelizable]
public sealed class PackageConsumptionTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(4);
    private DirectoryInfo _work = null!;
    private string _feed = null!;
    private string _version = null!;

    [OneTimeSetUp]
    public async Task PackIntoATemporaryFeed()
    {
        _work = Directory.CreateTempSubdirectory("xiaozhi-proto-consumer-");
        _feed = Directory.CreateDirectory(Path.Combine(_work.FullName, "feed")).FullName;
        // A version never used before, so the global package cache cannot hand back a stale copy.
        _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";

        var project = Path.Combine(RepositoryLayout.Root.FullName, "Xiaozhi.Grpc.Proto", "Xiaozhi.Grpc.Proto.csproj");
        var (exit, output) = await DotnetCli.RunAsync(
            RepositoryLayout.Root.FullName, CliTimeout,
            "pack", project, "-c", "Release", "-o", _feed, $"-p:Version={_version}", "--nologo");
        exit.Should().Be(0, output);
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        try
        {
            _work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    [Test]
    public void Package_has_symbols_readme_licence_repository_and_only_the_two_runtime_dependencies()
    {
        File.Exists(Path.Combine(_feed, $"Xiaozhi.Grpc.Proto.{_version}.snupkg")).Should().BeTrue("symbols ship as a .snupkg");

        using var package = ZipFile.OpenRead(Path.Combine(_feed, $"Xiaozhi.Grpc.Proto.{_version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        entries.Should().Contain("protos/ai_service.proto", "other solutions and languages regenerate from it");
        entries.Should().Contain("contentFiles/any/any/protos/ai_service.proto");
        entries.Should().Contain("README.md");
        entries.Should().Contain("lib/net10.0/Xiaozhi.Grpc.Proto.dll");

        using var nuspecStream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        metadata.Element(ns + "version")!.Value.Should().Be(_version);
        metadata.Element(ns + "license")!.Attribute("type")!.Value.Should().Be("expression");
        metadata.Element(ns + "license")!.Value.Should().NotBeNullOrWhiteSpace();
        metadata.Element(ns + "readme")!.Value.Should().Be("README.md");
        metadata.Element(ns + "repository")!.Attribute("url")!.Value.Should().NotBeNullOrWhiteSpace();
        metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value)
            .Should().BeEquivalentTo("Google.Protobuf", "Grpc.Core.Api");
    }

    [Test]
    public void Package_ships_the_changelog_and_points_at_it_from_the_release_notes()
    {
        using var package = ZipFile.OpenRead(Path.Combine(_feed, $"Xiaozhi.Grpc.Proto.{_version}.nupkg"));
        package.Entries.Select(e => e.FullName).Should().Contain("CHANGELOG.md", "consumers read the compatibility rule and each version's changes");

        using var nuspecStream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        nuspec.Root.Element(ns + "metadata")!.Element(ns + "releaseNotes")!.Value.Should().Contain("CHANGELOG.md");
    }

    [Test]
    public async Task A_fresh_project_restores_the_package_from_the_local_feed_and_compiles_a_client_and_a_server()
    {
        var consumer = Directory.CreateDirectory(Path.Combine(_work.FullName, "Consumer")).FullName;
        var versions = CentralVersions();
        await File.WriteAllTextAsync(Path.Combine(consumer, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
                <add key="local" value="{_feed}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="Xiaozhi.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Xiaozhi.Grpc.Proto" Version="{_version}" />
                <PackageReference Include="Grpc.AspNetCore.Server" Version="{versions["Grpc.AspNetCore"]}" />
                <PackageReference Include="Grpc.Net.Client" Version="{versions["Grpc.Net.Client"]}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
            using Grpc.Core;
            using Grpc.Net.Client;
            using Xiaozhi.Grpc.Proto;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddGrpc();
            var app = builder.Build();
            app.MapGrpcService<EchoAi>();

            using var channel = GrpcChannel.ForAddress("http://localhost:50051");
            var client = new AIService.AIServiceClient(channel);
            var who = new ChatSessionIdentity("s", "aa:bb:cc:dd:ee:ff", "c");
            _ = ChatRequests.Text(who, "{\"type\":\"hello\"}", 0);
            _ = client.HealthCheck(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddMilliseconds(1)).Status;
            Console.WriteLine(SessionMetadataHeaders.DeviceId);

            public sealed class EchoAi : AIService.AIServiceBase
            {
                public override async Task ChatStream(IAsyncStreamReader<ChatRequest> requestStream, IServerStreamWriter<ChatResponse> responseStream, ServerCallContext context)
                {
                    await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
                    {
                        await responseStream.WriteAsync(request.GetKind() == ChatFrameKind.Text
                            ? ChatResponses.Text(request.MessageData.Span, request.Timestamp)
                            : ChatResponses.Error(new AiErrorPayload("unsupported", "binary"), request.Timestamp));
                    }
                }

                public override Task<HealthCheckResponse> HealthCheck(HealthCheckRequest request, ServerCallContext context) =>
                    Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving });
            }
            """);

        var (exit, output) = await DotnetCli.RunAsync(consumer, CliTimeout, "build", "--nologo", "-v", "q");

        exit.Should().Be(0, output);
        File.Exists(Path.Combine(consumer, "obj", "project.assets.json")).Should().BeTrue();
        (await File.ReadAllTextAsync(Path.Combine(consumer, "obj", "project.assets.json")))
            .Should().Contain($"Xiaozhi.Grpc.Proto/{_version}", "the package came from the local feed");
    }

    private static Dictionary<string, string> CentralVersions()
    {
        var props = XDocument.Load(Path.Combine(RepositoryLayout.Root.FullName, "Directory.Packages.props"));
        return props.Descendants("PackageVersion").ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Version")!.Value);
    }
}

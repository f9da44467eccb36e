using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.Im.Service.Cluster;
using Xiaozhi.Im.Service.Configuration;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary><c>redis_cache</c> of the Go service's config.yaml becomes <c>Cluster:Redis</c>; explicit settings win.</summary>
[NonParallelizable]
public sealed class ClusterGoServiceConfigTests
{
    private DirectoryInfo _dir = null!;
    private string _yaml = null!;

    [SetUp]
    public void WriteConfig()
    {
        _dir = Directory.CreateTempSubdirectory("xiaozhi-goconfig-cluster-");
        _yaml = Path.Combine(_dir.FullName, "config.yaml");
        File.WriteAllText(_yaml, """
            server:
              token: "yaml-secret"
            redis_cache:
              addr: "10.0.0.5:6380"
              password: "s3cret"
              db: 2
            """);
    }

    [TearDown]
    public void Cleanup() => _dir.Delete(recursive: true);

    private static IConfiguration GoFile(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Test]
    public void Address_password_and_db_make_one_configuration_string()
    {
        var redis = ImGoServiceConfigMapping.ClusterRedis(GoFile(("redis_cache:addr", "10.0.0.5:6380"), ("redis_cache:password", "s3cret"), ("redis_cache:db", "2")));

        var parsed = StackExchange.Redis.ConfigurationOptions.Parse(redis!);
        parsed.EndPoints.Select(e => e.ToString()).Should().Equal("10.0.0.5:6380");
        parsed.Password.Should().Be("s3cret");
        parsed.DefaultDatabase.Should().Be(2);
    }

    [Test]
    public void No_address_maps_nothing()
    {
        ImGoServiceConfigMapping.ClusterRedis(GoFile(("redis_cache:password", "x"))).Should().BeNull();
        ImGoServiceConfigMapping.ClusterRedis(GoFile(("redis_cache:addr", ""))).Should().BeNull();
    }

    [Test]
    public async Task The_file_turns_the_cluster_on()
    {
        await using var app = ImApplication.Build(["--contentRoot", _dir.FullName, "--GoServiceConfig:Path", _yaml]);

        app.Configuration["Cluster:Redis"].Should().Contain("10.0.0.5:6380");
        app.Services.GetRequiredService<ISessionRegistry>().Should().BeOfType<ClusterSessionRegistry>();
    }

    [Test]
    public async Task An_explicit_setting_wins_and_an_empty_one_turns_the_cluster_off()
    {
        await using (var app = ImApplication.Build(["--contentRoot", _dir.FullName, "--GoServiceConfig:Path", _yaml, "--Cluster:Redis", "127.0.0.1:1"]))
        {
            app.Configuration["Cluster:Redis"].Should().Be("127.0.0.1:1");
        }

        await using var off = ImApplication.Build(["--contentRoot", _dir.FullName, "--GoServiceConfig:Path", _yaml, "--Cluster:Redis", ""]);
        off.Services.GetRequiredService<ISessionRegistry>().Should().BeOfType<SessionRegistry>();
    }

    [Test]
    public async Task Without_any_Redis_the_single_node_registry_is_used_and_no_cluster_service_runs()
    {
        await using var app = ImApplication.Build(["--contentRoot", _dir.FullName]);

        app.Services.GetRequiredService<ISessionRegistry>().Should().BeOfType<SessionRegistry>();
        app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().Should().NotContain(s => s is ClusterNodeService);
    }
}

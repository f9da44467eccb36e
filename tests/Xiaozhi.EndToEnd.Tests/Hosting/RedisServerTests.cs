using StackExchange.Redis;

namespace Xiaozhi.EndToEnd.Tests.Hosting;

/// <summary>The kit's <see cref="RedisServer"/>: whatever a server writes stays in its own scratch directory.</summary>
public sealed class RedisServerTests
{
    [Test]
    public async Task A_replicas_full_sync_writes_its_rdb_file_in_its_own_directory_never_in_the_callers()
    {
        var primary = await RedisServer.StartAsync();
        var replica = await RedisServer.StartReplicaAsync(primary);
        string replicaDirectory;
        try
        {
            replicaDirectory = replica.Directory;
            await (await primary.ClientAsync()).GetDatabase().StringSetAsync("kit:probe", "1");
            var server = (await replica.ClientAsync()).GetServer("127.0.0.1", replica.Port);
            await Eventually.Async(() =>
            {
                var info = server.Info("replication").SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
                info.Should().Contain("master_link_status", "up");
            }, TimeSpan.FromSeconds(10));

            // The full sync loaded its copy from disk (repl-diskless-load is off by default): that file is the one that landed
            // in the repository before each server had a directory.
            replicaDirectory.Should().NotStartWith(RepositoryPaths.Root).And.NotBe(Environment.CurrentDirectory);
            (await server.ConfigGetAsync("dir")).Should().ContainSingle().Which.Value.Should().Be(replicaDirectory);
            File.Exists(Path.Combine(replicaDirectory, "dump.rdb")).Should().BeTrue("the sync's file is in the replica's directory");
            primary.Directory.Should().NotBe(replicaDirectory);
        }
        finally
        {
            await replica.DisposeAsync();
            await primary.DisposeAsync();
        }

        Directory.Exists(replicaDirectory).Should().BeFalse("the scratch directory goes with the server");
        Directory.EnumerateFiles(Environment.CurrentDirectory, "*.rdb").Should().BeEmpty();
        Directory.EnumerateFiles(RepositoryPaths.Root, "*.rdb").Should().BeEmpty();
    }
}

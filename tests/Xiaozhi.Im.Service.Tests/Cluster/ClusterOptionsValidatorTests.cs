using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

public sealed class ClusterOptionsValidatorTests
{
    private static string[] Failures(ClusterOptions options)
    {
        var result = new ClusterOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToArray() : [];
    }

    [Test]
    public void Without_Redis_the_cluster_is_off_and_nothing_else_is_checked()
    {
        var options = new ClusterOptions { Redis = "", KeyPrefix = "", ClaimTimeout = TimeSpan.Zero };

        options.Enabled.Should().BeFalse();
        Failures(options).Should().BeEmpty();
    }

    [Test]
    public void The_defaults_with_a_Redis_address_are_valid()
    {
        var options = new ClusterOptions { Redis = "127.0.0.1:6379,password=secret" };

        Failures(options).Should().BeEmpty();
        options.KeyPrefix.Should().Be("xiaozhi:im:");
        options.ClaimTimeout.Should().Be(TimeSpan.FromMilliseconds(250));
        options.DeviceKeyTtl.Should().Be(options.RefreshInterval * 3);
    }

    [TestCase(",", "Cluster:Redis")]
    [TestCase("127.0.0.1:6379,connectTimeout=soon", "Cluster:Redis")]
    public void A_bad_configuration_string_is_named(string redis, string setting)
    {
        Failures(new ClusterOptions { Redis = redis }).Should().ContainSingle().Which.Should().StartWith(setting);
    }

    [Test]
    public void Each_bad_setting_is_named()
    {
        var failures = Failures(new ClusterOptions
        {
            Redis = "127.0.0.1:6379",
            KeyPrefix = "has space:",
            NodeId = "node a",
            ClaimTimeout = TimeSpan.FromSeconds(10),
            RefreshInterval = TimeSpan.FromMilliseconds(10),
            HeartbeatInterval = TimeSpan.Zero,
        });

        failures.Select(f => f.Split(' ')[0]).Should().BeEquivalentTo(
            "Cluster:KeyPrefix", "Cluster:NodeId", "Cluster:ClaimTimeout", "Cluster:RefreshInterval", "Cluster:HeartbeatInterval");
    }
}

using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

public sealed class ClusterNamingTests
{
    [Test]
    public void Keys_and_channels_carry_the_prefix()
    {
        var keys = new ClusterKeys("xiaozhi:im:");

        keys.Device("aa:bb:cc:dd:ee:ff").Should().Be("xiaozhi:im:device:aa:bb:cc:dd:ee:ff");
        keys.Node("host:8000").Should().Be("xiaozhi:im:node:host:8000");
        keys.NodeDevices("host:8000").Should().Be("xiaozhi:im:node:host:8000:devices");
        keys.Control("host:8000").Should().Be("xiaozhi:im:node:host:8000:control");
        keys.Presence.Should().Be("xiaozhi:im:presence");
    }

    [TestCase(null, null, "box:8000")]
    [TestCase("", "http://0.0.0.0:9000", "box:9000")]
    [TestCase(null, "http://*:7000;http://[::]:7001", "box:7000")]
    [TestCase(null, "http://+:7100/", "box:7100")]
    [TestCase(null, "https://example.test", "box:443")]
    [TestCase("gateway-3", "http://0.0.0.0:9000", "gateway-3")]
    public void The_node_id_defaults_to_host_name_and_device_port(string? configured, string? urls, string expected)
    {
        ClusterNodeId.Resolve(configured, urls, "box").Should().Be(expected);
    }
}

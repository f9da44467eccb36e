using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

public sealed class ClusterKickTests
{
    [Test]
    public void A_kick_reads_back_as_written_and_escapes_what_it_carries()
    {
        var kick = new ClusterKick("aa:bb:\"cc\"", "s-1", "c0ffee");

        var json = kick.ToJson();

        json.Should().Be("""{"device_id":"aa:bb:\u0022cc\u0022","session_id":"s-1","claim":"c0ffee"}""");
        ClusterKick.TryParse(json).Should().Be(kick);
    }

    [TestCase("")]
    [TestCase("not json")]
    [TestCase("""{"device_id":"d","session_id":"s"}""")]
    [TestCase("""{"device_id":"d","session_id":"s","claim":7}""")]
    public void Anything_else_is_not_a_kick(string message) => ClusterKick.TryParse(message).Should().BeNull();
}

using System.Text.Json;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

public sealed class PresenceEventTests
{
    [Test]
    public void Online_event_has_exactly_the_documented_fields_in_order()
    {
        var json = new PresenceEvent(true, "aa:bb", "client-1", "s1", "node-a", 1700000000123).ToJson();

        json.Should().Be("""{"event":"online","device_id":"aa:bb","client_id":"client-1","session_id":"s1","node_id":"node-a","at":1700000000123}""");
    }

    [Test]
    public void Offline_event_escapes_what_JSON_needs_escaped()
    {
        var json = new PresenceEvent(false, "dev\"1", "", "s\\2", "n", 5).ToJson();

        using var parsed = JsonDocument.Parse(json);
        parsed.RootElement.GetProperty("event").GetString().Should().Be("offline");
        parsed.RootElement.GetProperty("device_id").GetString().Should().Be("dev\"1");
        parsed.RootElement.GetProperty("session_id").GetString().Should().Be("s\\2");
        parsed.RootElement.GetProperty("at").GetInt64().Should().Be(5);
    }

    [Test]
    public void A_kick_parses_from_what_the_scripts_write_and_anything_else_is_ignored()
    {
        ClusterKick.TryParse("""{"claim":"c1","session_id":"s1","device_id":"d1"}""").Should().Be(new ClusterKick("d1", "s1", "c1"));
        ClusterKick.TryParse("""{"session_id":"s1","device_id":"d1"}""").Should().BeNull();
        ClusterKick.TryParse("not json").Should().BeNull();
        ClusterKick.TryParse("[1]").Should().BeNull();
        ClusterKick.TryParse(null).Should().BeNull();
    }
}

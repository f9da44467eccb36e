using Microsoft.AspNetCore.Http;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Devices;

public class DeviceHandshakeTests
{
    private static HeaderDictionary Headers(params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        return dictionary;
    }

    [Test]
    public void Reads_the_firmware_headers()
    {
        var result = DeviceHandshake.Parse(
            Headers(("Authorization", "Bearer abc.def.ghi"), ("Protocol-Version", "2"), ("Device-Id", "aa:bb:cc:dd:ee:ff"),
                ("Client-Id", "c-1"), ("Session-Id", "s-1"), ("Transport-Type", "websocket")),
            null);

        result.Identity.Should().Be(new DeviceIdentity("aa:bb:cc:dd:ee:ff", "c-1", "s-1", "websocket", BinaryProtocolVersion.V2, "abc.def.ghi"));
    }

    [Test]
    public void Defaults_when_optional_values_are_missing()
    {
        var identity = DeviceHandshake.Parse(Headers(("Device-Id", "d")), "").Identity!;
        identity.ProtocolVersion.Should().Be(BinaryProtocolVersion.V1);
        identity.ClientId.Should().BeEmpty();
        identity.SessionId.Should().BeNull();
        identity.Token.Should().BeNull();
    }

    [Test]
    public void Non_empty_query_values_override_headers()
    {
        var identity = DeviceHandshake.Parse(
            Headers(("Device-Id", "header-device"), ("Client-Id", "header-client"), ("Protocol-Version", "1"), ("Session-Id", "hs")),
            "?device-id=aa%3Abb&client-id=&protocol-version=3&session-id=qs&transport-type=browser").Identity!;

        identity.DeviceId.Should().Be("aa:bb");
        identity.ClientId.Should().Be("header-client", "an empty query value does not override");
        identity.ProtocolVersion.Should().Be(BinaryProtocolVersion.V3);
        identity.SessionId.Should().Be("qs");
        identity.TransportType.Should().Be("browser");
    }

    [Test]
    public void Authorization_query_is_form_encoded_plus_is_space()
    {
        var identity = DeviceHandshake.Parse(Headers(("Device-Id", "d")), "authorization=Bearer+eyJ.a-b_c.sig").Identity!;
        identity.Token.Should().Be("eyJ.a-b_c.sig");
    }

    [Test]
    public void Authorization_query_percent_encoded_space_works_too()
    {
        DeviceHandshake.Parse(Headers(("Device-Id", "d")), "authorization=Bearer%20tok").Identity!.Token.Should().Be("tok");
    }

    [Test]
    public void Token_query_is_the_bare_jwt_and_wins_over_authorization_and_header()
    {
        var identity = DeviceHandshake.Parse(
            Headers(("Device-Id", "d"), ("Authorization", "Bearer from-header")),
            "token=from-token&authorization=Bearer+from-authorization").Identity!;
        identity.Token.Should().Be("from-token");
    }

    [Test]
    public void Authorization_query_overrides_the_header()
    {
        DeviceHandshake.Parse(Headers(("Device-Id", "d"), ("Authorization", "Bearer from-header")), "authorization=Bearer+q")
            .Identity!.Token.Should().Be("q");
    }

    [Test]
    public void Bearer_scheme_is_case_insensitive_and_a_bare_header_token_is_accepted()
    {
        DeviceHandshake.Parse(Headers(("Authorization", "bearer   t1 ")), null).Identity!.Token.Should().Be("t1");
        DeviceHandshake.Parse(Headers(("Authorization", "t2")), null).Identity!.Token.Should().Be("t2");
        DeviceHandshake.Parse(Headers(("Authorization", "Bearer ")), null).Identity!.Token.Should().BeNull();
    }

    [TestCase("0")]
    [TestCase("4")]
    [TestCase("v2")]
    public void Unknown_protocol_version_is_an_error(string version)
    {
        var result = DeviceHandshake.Parse(Headers(("Device-Id", "d"), ("Protocol-Version", version)), null);
        result.Identity.Should().BeNull();
        result.Error.Should().Be("Protocol-Version must be 1, 2 or 3");
    }

    [Test]
    public void Non_ascii_ids_are_refused()
    {
        DeviceHandshake.Parse(Headers(), "session-id=%E4%B8%AD").Error.Should().Contain("Session-Id must be printable ASCII");
        DeviceHandshake.Parse(Headers(), "device-id=" + new string('a', 300)).Error.Should().Contain("Device-Id");
    }

    [Test]
    public void Missing_device_id_is_reported_as_null()
    {
        DeviceHandshake.Parse(Headers(), "device-id=").Identity!.DeviceId.Should().BeNull();
    }

    [Test]
    public void Query_parser_handles_odd_input()
    {
        var query = FormQuery.Parse("?a&=x&b=1&b=2&c=%ZZ&D=caps");
        query["a"].Should().BeEmpty();
        query["b"].Should().Be("1");
        query["c"].Should().Be("%ZZ");
        query["d"].Should().Be("caps");
    }

    [Test]
    public void Identity_never_prints_the_token() =>
        new DeviceIdentity("d", "c", null, null, BinaryProtocolVersion.V1, "secret-token").ToString().Should().NotContain("secret-token");
}

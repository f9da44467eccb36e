using System.Net;
using Microsoft.AspNetCore.Http;
using Xiaozhi.Im.Service.Devices;

namespace Xiaozhi.Im.Service.Tests.Devices;

/// <summary>The device address a session records: a forwarded address has no port, and must not read <c>addr:0</c>.</summary>
public sealed class RemoteAddressFormatTests
{
    [TestCase("203.0.113.7", 0, "203.0.113.7")]
    [TestCase("203.0.113.7", 51234, "203.0.113.7:51234")]
    [TestCase("2001:db8::7", 0, "2001:db8::7")]
    [TestCase("2001:db8::7", 51234, "[2001:db8::7]:51234")]
    public void The_port_is_shown_only_when_known(string address, int port, string expected)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        context.Connection.RemotePort = port;

        DeviceWebSocketEndpoint.FormatRemote(context.Connection).Should().Be(expected);
    }

    [Test]
    public void No_address_is_unknown() =>
        DeviceWebSocketEndpoint.FormatRemote(new DefaultHttpContext().Connection).Should().Be("unknown");
}

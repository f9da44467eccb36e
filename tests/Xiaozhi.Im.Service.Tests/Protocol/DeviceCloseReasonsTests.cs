using System.Net.WebSockets;
using System.Text;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

public class DeviceCloseReasonsTests
{
    [Test]
    public void Codes_and_reasons()
    {
        DeviceCloseReasons.Normal.Should().Be(new DeviceClose(WebSocketCloseStatus.NormalClosure, "goodbye"));
        DeviceCloseReasons.Shutdown.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        DeviceCloseReasons.Replaced.Should().Be(new DeviceClose(WebSocketCloseStatus.PolicyViolation, "replaced by a new connection for this device"));
        DeviceCloseReasons.TooBig(true, 1024).Should().Be(new DeviceClose(WebSocketCloseStatus.MessageTooBig, "text message larger than 1024 bytes"));
        DeviceCloseReasons.UpstreamEnded.Status.Should().Be(WebSocketCloseStatus.InternalServerError);
        DeviceCloseReasons.UpstreamFailed("Unavailable").Reason.Should().Be("connection to the AI service failed (Unavailable)");
    }

    [Test]
    public void Reasons_fit_123_bytes_on_a_character_boundary()
    {
        var reason = DeviceCloseReasons.Fit(new string('é', 100));
        Encoding.UTF8.GetByteCount(reason).Should().BeLessThanOrEqualTo(123);
        reason.Should().Be(new string('é', 61));
        new DeviceClose(WebSocketCloseStatus.InternalServerError, new string('x', 500)).Reason.Should().HaveLength(123);
    }
}

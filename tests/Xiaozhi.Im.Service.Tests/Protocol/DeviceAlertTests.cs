using System.Text;
using System.Text.Json;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

public class DeviceAlertTests
{
    [Test]
    public void Alert_has_the_firmware_shape_in_order()
    {
        Encoding.UTF8.GetString(DeviceAlert.Error("AI service error")).Should()
            .Be("{\"type\":\"alert\",\"status\":\"error\",\"message\":\"AI service error\",\"emotion\":\"sad\"}");
    }

    [Test]
    public void Message_is_escaped_as_json()
    {
        var bytes = DeviceAlert.Error("quote \" and 中文");
        using var document = JsonDocument.Parse(bytes);
        document.RootElement.GetProperty("message").GetString().Should().Be("quote \" and 中文");
    }

    [Test]
    public void Alert_messages_have_fixed_wording()
    {
        DeviceAlertMessages.InvalidBinaryFrame("protocol 3 frame of 2 bytes is shorter than its 4-byte header")
            .Should().Be("Invalid binary frame: protocol 3 frame of 2 bytes is shorter than its 4-byte header.");
        DeviceAlertMessages.TooLargeForAiService(5000, 4096)
            .Should().Be("Message not sent: 5000 bytes exceeds the AI service limit of 4096 bytes (Ai:MaxMessageBytes).");
    }
}

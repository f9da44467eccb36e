using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Telemetry;

public sealed class DeviceIdForLogsTests
{
    [Test]
    public void Ids_are_logged_as_is_by_default_and_as_a_stable_short_digest_when_hashing_is_on()
    {
        new TelemetryOptions().DeviceIdForLogs("aa:bb:cc:dd:ee:ff").Should().Be("aa:bb:cc:dd:ee:ff");

        var hashing = new TelemetryOptions { HashDeviceIdsInLogs = true };
        var digest = hashing.DeviceIdForLogs("aa:bb:cc:dd:ee:ff");

        digest.Should().MatchRegex("^sha256:[0-9a-f]{12}$").And.NotContain("aa:bb");
        hashing.DeviceIdForLogs("aa:bb:cc:dd:ee:ff").Should().Be(digest, "the same device gets the same digest, so its log lines can be correlated");
        hashing.DeviceIdForLogs("aa:bb:cc:dd:ee:00").Should().NotBe(digest);
        // SHA-256("aa:bb:cc:dd:ee:ff"), first 6 bytes, computed independently.
        digest.Should().Be("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("aa:bb:cc:dd:ee:ff"u8))[..12]);
    }
}

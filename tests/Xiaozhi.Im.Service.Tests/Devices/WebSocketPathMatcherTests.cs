using Xiaozhi.Im.Service.Devices;

namespace Xiaozhi.Im.Service.Tests.Devices;

public class WebSocketPathMatcherTests
{
    private static readonly WebSocketPathMatcher Defaults = new(new DeviceWebSocketOptions().EffectivePaths);

    [TestCase("/")]
    [TestCase("")]
    [TestCase("/ws")]
    [TestCase("/ws/")]
    [TestCase("/xiaozhi/v1/")]
    [TestCase("/xiaozhi/v1")]
    [TestCase("/XiaoZhi/V1/")]
    public void Default_paths_match_with_or_without_trailing_slash(string path) =>
        Defaults.IsAllowed(path).Should().BeTrue();

    [TestCase("/api")]
    [TestCase("/ws/extra")]
    [TestCase("/xiaozhi")]
    [TestCase("/xiaozhi/v2/")]
    [TestCase("/health")]
    public void Other_paths_do_not_match(string path) =>
        Defaults.IsAllowed(path).Should().BeFalse();

    [Test]
    public void Configured_paths_replace_the_defaults()
    {
        var matcher = new WebSocketPathMatcher(["/device/"]);
        matcher.IsAllowed("/device").Should().BeTrue();
        matcher.IsAllowed("/").Should().BeFalse();
    }

    [Test]
    public void Star_accepts_any_path() =>
        new WebSocketPathMatcher(["*"]).IsAllowed("/anything/at/all").Should().BeTrue();
}

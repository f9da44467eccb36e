using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Ota;

public sealed class OtaTests
{
    private StubHost _host = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _host = await StubHost.StartAsync(["--Ota:WebSocketUrl", "ws://gateway.test:8000/xiaozhi/v1/"]);
        _http = new HttpClient { BaseAddress = _host.OtaAddress, Timeout = TimeSpan.FromSeconds(5) };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Test]
    public void Hmac_pads_short_keys_with_zeros_so_a_padded_key_signs_identically()
    {
        var data = "header.payload"u8.ToArray();
        var shortKey = "abc"u8.ToArray();
        var padded = new byte[32];
        shortKey.CopyTo(padded, 0);
        HMACSHA256.HashData(padded, data).Should().Equal(HMACSHA256.HashData(shortKey, data));
    }

    [Test]
    public async Task Ota_returns_the_websocket_url_and_a_token_that_validates_with_the_3_byte_secret()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/xiaozhi/ota/")
        {
            Content = JsonContent.Create(new { application = new { version = "2.0.1", name = "xiaozhi" }, mac_address = "aa:bb:cc:dd:ee:ff" }),
        };
        request.Headers.Add("Device-Id", "aa:bb:cc:dd:ee:ff");
        var before = DateTimeOffset.UtcNow;
        using var response = await _http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Version.Should().Be(HttpVersion.Version11);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;

        root.GetProperty("websocket").Str("url").Should().Be("ws://gateway.test:8000/xiaozhi/v1/");
        root.GetProperty("firmware").Str("version").Should().Be("2.0.1");
        root.GetProperty("firmware").Str("url").Should().BeEmpty();
        root.GetProperty("server_time").GetProperty("timezone_offset").GetInt32().Should().Be(0);
        root.GetProperty("server_time").GetProperty("timestamp").GetInt64().Should().BeCloseTo(before.ToUnixTimeMilliseconds(), 10_000);

        var token = root.GetProperty("websocket").Str("token");
        var parts = token.Split('.');
        parts.Should().HaveCount(3);
        using var header = JsonDocument.Parse(Base64Url(parts[0]));
        header.RootElement.Str("alg").Should().Be("HS256");
        using var claims = JsonDocument.Parse(Base64Url(parts[1]));
        claims.RootElement.Str("device_id").Should().Be("aa:bb:cc:dd:ee:ff");
        claims.RootElement.GetProperty("user_id").ValueKind.Should().Be(JsonValueKind.Number);
        claims.RootElement.GetProperty("user_id").GetInt64().Should().Be(1);
        var iat = claims.RootElement.GetProperty("iat").GetInt64();
        var exp = claims.RootElement.GetProperty("exp").GetInt64();
        iat.Should().BeCloseTo(before.ToUnixTimeSeconds(), 10);
        (exp - iat).Should().Be((long)TimeSpan.FromDays(7).TotalSeconds);

        // Verified the way the Go service and the IM do: HMAC-SHA256 with the raw 3-byte secret.
        var expected = HMACSHA256.HashData("abc"u8, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        Base64Url(parts[2]).Should().Equal(expected);
    }

    [Test]
    public async Task Firmware_version_defaults_to_1_0_0_without_a_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/xiaozhi/ota/");
        request.Headers.Add("Device-Id", "11:22:33:44:55:66");
        using var response = await _http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("firmware").Str("version").Should().Be("1.0.0");
    }

    [Test]
    public async Task Missing_device_id_is_400_with_a_reason()
    {
        using var response = await _http.PostAsync("/xiaozhi/ota/", new StringContent("{}"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Device-Id");
    }

    [Test]
    public async Task Without_a_secret_ota_is_503_with_a_reason()
    {
        await using var host = await StubHost.StartAsync(["--Auth:JwtSecret", ""]);
        using var http = new HttpClient { BaseAddress = host.OtaAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/xiaozhi/ota/");
        request.Headers.Add("Device-Id", "11:22:33:44:55:66");
        using var response = await http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Auth:JwtSecret");
    }

    [Test]
    public async Task Fault_control_api_changes_the_in_process_faults()
    {
        using var response = await _http.PostAsync("/stub/faults/delay?ms=15", null);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _host.Faults.ResponseDelay.Should().Be(TimeSpan.FromMilliseconds(15));
        using var reset = await _http.PostAsync("/stub/faults/delay?ms=0", null);
        using var state = JsonDocument.Parse(await _http.GetStringAsync("/stub/faults"));
        state.RootElement.GetProperty("responseDelayMs").GetInt64().Should().Be(0);
        state.RootElement.GetProperty("refuseNewStreams").GetBoolean().Should().BeFalse();
    }

    private static byte[] Base64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}

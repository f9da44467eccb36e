using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Ota;

/// <summary>Browser clients served from their own origin (e.g. the xiaozhi-esp32-server test page) fetch the OTA cross-origin.</summary>
public sealed class OtaCorsTests
{
    private const string PageOrigin = "http://page.test:8006";

    [Test]
    public async Task By_default_any_origin_gets_the_preflight_answered()
    {
        await using var host = await StubHost.StartAsync();
        using var http = new HttpClient { BaseAddress = host.OtaAddress };
        using var response = await http.SendAsync(Preflight(PageOrigin));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        Header(response, "Access-Control-Allow-Origin").Should().Be("*");
        Header(response, "Access-Control-Allow-Methods").Should().Contain("POST");
        Header(response, "Access-Control-Allow-Headers").Split(',', StringSplitOptions.TrimEntries)
            .Should().Contain(["content-type", "device-id", "client-id"]);
    }

    [Test]
    public async Task By_default_a_cross_origin_post_gets_the_allow_header_and_the_websocket_block()
    {
        await using var host = await StubHost.StartAsync(["--Ota:WebSocketUrl", "ws://gateway.test:8000/xiaozhi/v1/"]);
        using var http = new HttpClient { BaseAddress = host.OtaAddress };
        using var response = await http.SendAsync(Post(PageOrigin));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(response, "Access-Control-Allow-Origin").Should().Be("*");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("websocket").Str("url").Should().Be("ws://gateway.test:8000/xiaozhi/v1/");
        body.RootElement.GetProperty("websocket").Str("token").Should().NotBeEmpty();
    }

    [Test]
    public async Task With_origins_configured_only_those_are_allowed()
    {
        await using var host = await StubHost.StartAsync(["--Ota:CorsOrigins", "http://other.test; " + PageOrigin]);
        using var http = new HttpClient { BaseAddress = host.OtaAddress };

        using (var allowed = await http.SendAsync(Preflight(PageOrigin)))
        {
            allowed.StatusCode.Should().Be(HttpStatusCode.NoContent);
            Header(allowed, "Access-Control-Allow-Origin").Should().Be(PageOrigin);
        }

        using (var allowedPost = await http.SendAsync(Post(PageOrigin)))
        {
            allowedPost.StatusCode.Should().Be(HttpStatusCode.OK);
            Header(allowedPost, "Access-Control-Allow-Origin").Should().Be(PageOrigin);
        }

        using (var refused = await http.SendAsync(Preflight("http://elsewhere.test:8006")))
        {
            refused.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse("the origin is not in Ota:CorsOrigins");
        }

        using var refusedPost = await http.SendAsync(Post("http://elsewhere.test:8006"));
        refusedPost.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse("the browser must not hand the answer to that page");
    }

    [TestCase("")]
    [TestCase("page.test:8006")]
    [TestCase("http://page.test:8006/ota/")]
    [TestCase("ftp://page.test")]
    public async Task A_malformed_origin_list_fails_start_up_naming_the_setting(string origins)
    {
        var app = StubApplication.Build(["--urls", "http://127.0.0.1:0", "--Ota:Urls", "http://127.0.0.1:0", "--Ota:CorsOrigins", origins, "--contentRoot", Path.GetTempPath()]);
        try
        {
            var start = () => app.StartAsync();
            (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Ota:CorsOrigins");
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/xiaozhi/ota/");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,device-id,client-id");
        return request;
    }

    private static HttpRequestMessage Post(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/xiaozhi/ota/") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Device-Id", "aa:bb:cc:dd:ee:ff");
        request.Headers.Add("Client-Id", "3f1c2a8e-0000-4000-8000-000000000001");
        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;
}

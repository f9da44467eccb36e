using System.Net;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>protocol.md §1: every failure is HTTP 401 with a short plain-text reason, and never an upgrade.</summary>
public sealed class AuthTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    private static string Secret => Gateway.JwtSecret;

    [Test]
    public async Task No_token_is_401()
    {
        var refusal = await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { OmitAuthorization = true });

        refusal.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refusal.Body.Should().NotBeNullOrWhiteSpace();
    }

    [Test]
    public async Task Bad_signature_is_401()
    {
        var device = DeviceIds.NewMac();
        var token = TestTokens.Sign(Secret + "x", TestTokens.ValidClaims(device));

        (await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { DeviceId = device, Token = token }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Expired_token_is_401_with_the_reason()
    {
        var device = DeviceIds.NewMac();
        var claims = TestTokens.ValidClaims(device);
        claims["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();

        var refusal = await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.Sign(Secret, claims) });

        refusal.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refusal.Body.Should().ContainEquivalentOf("expired");
    }

    [Test]
    public async Task By_default_a_token_without_exp_connects()
    {
        E2eTarget.RequireInProcess("relies on the default Auth:RequireExpiration");
        var device = DeviceIds.NewMac();
        var claims = TestTokens.ValidClaims(device);
        claims.Remove("exp");

        await using var client = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.Sign(Secret, claims) });
        (await client.HelloAsync()).Get("transport").Should().Be("websocket", "Auth:RequireExpiration is off by default");
    }

    [Test]
    public async Task With_require_expiration_a_token_without_exp_is_401_with_the_reason_and_others_go_on()
    {
        E2eTarget.RequireInProcess("configures Auth:RequireExpiration");
        await using var gateway = await Harness.Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Auth:RequireExpiration", "true"] });
        await using var bystander = await DeviceClient.ConnectAsync(gateway);
        await bystander.HelloAsync();
        var device = DeviceIds.NewMac();
        var claims = TestTokens.ValidClaims(device);
        claims.Remove("exp");

        var refusal = await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.Sign(gateway.JwtSecret, claims) });

        refusal.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refusal.Body.Should().Contain("token has no exp (required)");
        (await bystander.ChatAsync("still here")).SttText.Should().Be("still here", "the session already connected is unaffected");
        await using var withExp = await DeviceClient.ConnectAsync(gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.For(gateway.JwtSecret, device) });
        (await withExp.HelloAsync()).Get("transport").Should().Be("websocket", "a token with exp still connects");
    }

    [Test]
    public async Task Alg_none_is_401()
    {
        var device = DeviceIds.NewMac();

        (await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.Unsigned(TestTokens.ValidClaims(device)) }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Device_id_other_than_the_claim_is_401_with_the_reason()
    {
        var token = TestTokens.For(Secret, DeviceIds.NewMac());

        var refusal = await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { Token = token });

        refusal.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refusal.Body.Should().ContainEquivalentOf("device");
    }

    [Test]
    public async Task Missing_user_id_is_401()
    {
        var device = DeviceIds.NewMac();
        var claims = TestTokens.ValidClaims(device);
        claims.Remove("user_id");

        (await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.Sign(Secret, claims) }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task User_id_as_a_string_is_401()
    {
        var device = DeviceIds.NewMac();
        var claims = TestTokens.ValidClaims(device);
        claims["user_id"] = "42";

        (await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { DeviceId = device, Token = TestTokens.Sign(Secret, claims) }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Token_and_identity_in_the_query_like_a_browser_is_accepted()
    {
        var device = DeviceIds.NewMac();
        var token = TestTokens.For(Secret, device);
        var query = $"/xiaozhi/v1/?device-id={Uri.EscapeDataString(device)}&client-id=browser-1&token={token}";

        await using var browser = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions
        {
            DeviceId = device,
            OmitAuthorization = true,
            OmitDeviceIdHeader = true,
            PathAndQuery = query,
        });

        (await browser.HelloAsync()).Get("transport").Should().Be("websocket");
    }

    [Test]
    public async Task Authorization_in_the_query_form_encoded_with_plus_for_space_is_accepted()
    {
        var device = DeviceIds.NewMac();
        var token = TestTokens.For(Secret, device);
        var query = $"/xiaozhi/v1/?device-id={Uri.EscapeDataString(device)}&authorization=Bearer+{token}";

        await using var browser = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions
        {
            DeviceId = device,
            OmitAuthorization = true,
            OmitDeviceIdHeader = true,
            PathAndQuery = query,
        });

        (await browser.HelloAsync()).Get("transport").Should().Be("websocket");
    }

    [Test]
    public async Task Query_value_overrides_a_stale_header_token()
    {
        var device = DeviceIds.NewMac();
        var stale = TestTokens.Sign(Secret + "old", TestTokens.ValidClaims(device));
        var fresh = TestTokens.For(Secret, device);

        await using var client = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions
        {
            DeviceId = device,
            Token = stale,
            PathAndQuery = $"/xiaozhi/v1/?token={fresh}",
        });

        (await client.HelloAsync()).Get("transport").Should().Be("websocket");
    }

    [Test]
    public async Task Paths_outside_the_allow_list_are_404_and_plain_http_is_426()
    {
        E2eTarget.RequireInProcess("path configuration of the deployment is unknown");
        (await DeviceClient.ExpectRefusalAsync(Gateway, new DeviceConnectOptions { PathAndQuery = "/admin" }))
            .StatusCode.Should().Be(HttpStatusCode.NotFound);

        using var http = new HttpClient();
        using var plain = await http.GetAsync(new UriBuilder(Gateway.DeviceUrl) { Scheme = "http" }.Uri);
        plain.StatusCode.Should().Be(HttpStatusCode.UpgradeRequired);
    }
}

using System.Net;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Faults;

/// <summary>
/// Issue 25 B7: a page on another site can POST to the stub's fault API without a preflight; such requests get 403
/// and change nothing, while curl-like clients and the stub's own origin keep working.
/// </summary>
public sealed class FaultApiCrossSiteTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [TearDown]
    public void Reset() => _host.Faults.RefuseNewStreams = false;

    [TestCase("Origin", "http://evil.example")]
    [TestCase("Origin", "null")]
    [TestCase("Sec-Fetch-Site", "cross-site")]
    [TestCase("Sec-Fetch-Site", "same-site")]
    public async Task A_cross_site_browser_request_is_403_and_changes_nothing(string header, string value)
    {
        using var response = await PostRefuseAsync((header, value));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Be("cross-site requests to the fault API are refused");
        _host.Faults.RefuseNewStreams.Should().BeFalse();
    }

    [Test]
    public async Task A_request_without_browser_headers_works()
    {
        using var response = await PostRefuseAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _host.Faults.RefuseNewStreams.Should().BeTrue();
    }

    [Test]
    public async Task A_same_origin_browser_request_works()
    {
        var origin = _host.OtaAddress.GetLeftPart(UriPartial.Authority);

        using var response = await PostRefuseAsync(("Origin", origin), ("Sec-Fetch-Site", "same-origin"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _host.Faults.RefuseNewStreams.Should().BeTrue();
    }

    [Test]
    public async Task The_ota_itself_still_answers_cross_origin_pages()
    {
        using var http = new HttpClient { BaseAddress = _host.OtaAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/xiaozhi/ota/") { Content = new StringContent("{}") };
        request.Headers.Add("Device-Id", "aa:bb:cc:dd:ee:ff");
        request.Headers.Add("Origin", "http://page.test:8006");

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "browser test pages fetch the OTA cross-origin (Ota:CorsOrigins)");
    }

    private async Task<HttpResponseMessage> PostRefuseAsync(params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient { BaseAddress = _host.OtaAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/stub/faults/refuse?on=true");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await http.SendAsync(request);
    }
}

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// Where the suite points: by default it hosts its own stub + IM on loopback; with <c>XIAOZHI_E2E_URL</c> and
/// <c>XIAOZHI_E2E_JWT_SECRET</c> set it targets an already-running deployment (QA use). Tests that need to look
/// inside the stub (recorded requests, fault injection) are skipped against a deployment.
/// </summary>
public static class E2eTarget
{
    /// <summary>The WebSocket URL of a running deployment, or null to host in-process.</summary>
    public static Uri? ExternalUrl { get; } =
        Environment.GetEnvironmentVariable("XIAOZHI_E2E_URL") is { Length: > 0 } url ? new Uri(url) : null;

    /// <summary>The JWT secret of the running deployment.</summary>
    public static string? ExternalSecret { get; } = Environment.GetEnvironmentVariable("XIAOZHI_E2E_JWT_SECRET");

    /// <summary>True when the suite targets a running deployment.</summary>
    public static bool IsExternal => ExternalUrl is not null;

    /// <summary>Skips a test that needs an in-process stub.</summary>
    public static void RequireInProcess(string why)
    {
        if (IsExternal)
        {
            Assert.Ignore($"Needs the in-process stub ({why}); skipped against {ExternalUrl}.");
        }
    }
}

namespace Xiaozhi.Im.Service.Auth;

/// <summary>
/// Every sample or development JWT secret this repository ships (deploy/ examples, build.sh/build.ps1 <c>run</c>, the
/// sample settings). They are public, so outside Development a gateway configured with one refuses to start. The
/// deployment tests check that every secret-looking value in those files is on this list.
/// </summary>
internal static class SampleSecrets
{
    /// <summary>The shipped values, compared exactly (ordinal, after trimming).</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        // deploy/systemd/im.env.example and stub.env.example.
        "change-me",

        // build.sh / build.ps1 `run` (XIAOZHI_JWT_SECRET unset); also the device simulator's tests.
        "xiaozhi-dev-secret-change-me-before-deploying",

        // Xiaozhi.Im.Service/appsettings.json `_sample`, and the placeholder in docs/deployment.md.
        "<the AI service's server.token>",
        "<the AI service server.token>",
        "<secret>",
    ];

    /// <summary>Whether <paramref name="secret"/> is one of the shipped values.</summary>
    public static bool Contains(string? secret) =>
        secret is not null && All.Contains(secret.Trim(), StringComparer.Ordinal);
}

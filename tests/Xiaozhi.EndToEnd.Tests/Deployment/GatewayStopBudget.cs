using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>
/// How long a stopping gateway may take with default settings: the drain (Limits:DrainTimeout) and the host's
/// shutdown timeout the IM derives from it. A supervisor (systemd, the kubelet) must wait longer, or it kills
/// the process mid-turn.
/// </summary>
internal static class GatewayStopBudget
{
    /// <summary>What a supervisor's stop timeout must exceed the host's shutdown timeout by (process exit, flushing logs).</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    public static TimeSpan DefaultDrainTimeout => new LimitsOptions().DrainTimeout;

    /// <summary>The host's shutdown timeout of a gateway built with default settings (the host is never started).</summary>
    public static Task<TimeSpan> DefaultHostShutdownTimeoutAsync() => HostShutdownTimeoutAsync();

    /// <summary>The host's shutdown timeout of a gateway built with <paramref name="arguments"/> (the host is never started).</summary>
    public static async Task<TimeSpan> HostShutdownTimeoutAsync(params string[] arguments)
    {
        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-budget-");
        try
        {
            await using var app = ImApplication.Build(["--contentRoot", contentRoot.FullName, .. arguments]);
            return app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        }
        finally
        {
            contentRoot.Delete(recursive: true);
        }
    }
}

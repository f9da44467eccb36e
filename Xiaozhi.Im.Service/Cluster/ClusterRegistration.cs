using Xiaozhi.Im.Service.Management;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>Registers the session registry: the single-node one, or with <c>Cluster:Redis</c> the cluster one wrapping it.</summary>
internal static class ClusterRegistration
{
    public static bool IsEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{ClusterOptions.SectionName}:{nameof(ClusterOptions.Redis)}"]);

    public static IServiceCollection AddCluster(this IServiceCollection services, IConfiguration configuration)
    {
        if (!IsEnabled(configuration))
        {
            // Single node: nothing of the cluster is created, nothing extra runs.
            services.AddSingleton<ISessionRegistry>(sp => sp.GetRequiredService<SessionRegistry>());
            return services;
        }

        ImApplication.AddValidated<ClusterOptions, ClusterOptionsValidator>(services, configuration, ClusterOptions.SectionName);
        services.AddSingleton<ClusterIdentity>();
        services.AddSingleton<ClusterStore>();
        services.AddSingleton<IClusterStore>(sp => sp.GetRequiredService<ClusterStore>());
        services.AddSingleton<IClusterNodeStore>(sp => sp.GetRequiredService<ClusterStore>());
        services.AddSingleton<ClusterMetrics>();
        services.AddSingleton<ClusterSessionRegistry>();
        services.AddSingleton<ISessionRegistry>(sp => sp.GetRequiredService<ClusterSessionRegistry>());
        services.AddSingleton<ClusterNodeService>();
        services.AddSingleton<IReadinessDetail, ClusterReadinessDetail>();
        return services;
    }
}

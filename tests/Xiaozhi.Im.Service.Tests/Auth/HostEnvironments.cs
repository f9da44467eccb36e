using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Xiaozhi.Im.Service.Tests.Auth;

/// <summary>Host environments by name, for validators that depend on it.</summary>
internal static class HostEnvironments
{
    public static IHostEnvironment Production => Named(Environments.Production);

    public static IHostEnvironment Development => Named(Environments.Development);

    public static IHostEnvironment Named(string name) => new HostingEnvironment { EnvironmentName = name };
}

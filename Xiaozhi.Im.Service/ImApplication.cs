namespace Xiaozhi.Im.Service;

/// <summary>Builds the IM gateway host (also used in-process by tests).</summary>
public static class ImApplication
{
    /// <summary>Builds the host from command-line arguments; <paramref name="configure"/> lets tests adjust services.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var app = builder.Build();
        return app;
    }
}

namespace Xiaozhi.AiService.Stub;

/// <summary>Builds the stub AI service host (also used in-process by tests).</summary>
public static class StubApplication
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

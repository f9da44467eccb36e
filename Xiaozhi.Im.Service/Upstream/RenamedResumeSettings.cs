using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// Keeps <c>Ai:Resume:MaxBufferedFrames</c> / <c>MaxBufferedBytes</c> working after the rename: an old name sets the new
/// ones that are not set themselves (a new name wins), a bad old value stops the start with a message naming the old
/// setting, and each old name in use is warned about once at start-up.
/// </summary>
internal sealed partial class RenamedResumeSettings(IConfiguration configuration, ILogger<RenamedResumeSettings> logger)
    : IPostConfigureOptions<AiOptions>, IValidateOptions<AiOptions>, IHostedService
{
    /// <summary>Registers the mapping, its validation and its start-up warning.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<RenamedResumeSettings>();
        services.AddSingleton<IPostConfigureOptions<AiOptions>>(sp => sp.GetRequiredService<RenamedResumeSettings>());
        services.AddSingleton<IValidateOptions<AiOptions>>(sp => sp.GetRequiredService<RenamedResumeSettings>());
        services.AddHostedService(sp => sp.GetRequiredService<RenamedResumeSettings>());
    }

    /// <inheritdoc />
    public void PostConfigure(string? name, AiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var setting in RenamedResumeSetting.All)
        {
            // Out of range: left to Validate, which names the old setting.
            if (Read(setting.Old) is not { } value || value < setting.Range.Min || value > setting.Range.Max)
            {
                continue;
            }

            foreach (var (key, set) in setting.New)
            {
                if (configuration[key] is null)
                {
                    set(options.Resume, value);
                }
            }
        }
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AiOptions options)
    {
        var failures = new List<string>();
        foreach (var setting in RenamedResumeSetting.All)
        {
            var text = configuration[setting.Old];
            if (text is null)
            {
                continue;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                failures.Add($"{setting.Old} must be a whole number (got '{text}'); it is renamed {setting.NewNames}.");
            }
            else
            {
                AiOptionsValidator.AddIfOutOfRange(setting.Old, value, setting.Range, failures);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var setting in RenamedResumeSetting.All)
        {
            if (configuration[setting.Old] is not null)
            {
                LogRenamed(logger, setting.Old, setting.NewNames);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private long? Read(string key) =>
        long.TryParse(configuration[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    [LoggerMessage(EventId = 3060, Level = LogLevel.Warning, Message = "{Old} is renamed: it sets {New} (those not set themselves); use the new names, the old one will be removed")]
    private static partial void LogRenamed(ILogger logger, string old, string @new);
}

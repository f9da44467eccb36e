using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>The resume limits' old names keep working, bound the way the host binds them, with one warning each.</summary>
public class RenamedResumeSettingsTests
{
    private FakeLogger<RenamedResumeSettings> _logger = null!;

    [SetUp]
    public void SetUp() => _logger = new FakeLogger<RenamedResumeSettings>();

    private ServiceProvider Host(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<ILogger<RenamedResumeSettings>>(_logger);
        ImApplication.AddValidated<AiOptions, AiOptionsValidator>(services, configuration, AiOptions.SectionName);
        RenamedResumeSettings.AddTo(services);
        return services.BuildServiceProvider();
    }

    private static async Task<ResumeOptions> StartAsync(ServiceProvider host)
    {
        var resume = host.GetRequiredService<IOptions<AiOptions>>().Value.Resume;
        foreach (var service in host.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        return resume;
    }

    [Test]
    public async Task An_old_name_sets_both_new_ones_and_is_warned_about_once_naming_them()
    {
        await using var host = Host(("Ai:Resume:MaxBufferedFrames", "3"));

        var resume = await StartAsync(host);

        resume.MaxHeldFrames.Should().Be(3);
        resume.MaxReplayFrames.Should().Be(3);
        resume.MaxHeldBytes.Should().Be(1024 * 1024, "the other old name was not used");
        var warning = _logger.Collector.GetSnapshot().Should().ContainSingle().Subject;
        warning.Id.Id.Should().Be(3060);
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain("Ai:Resume:MaxBufferedFrames is renamed").And.Contain("Ai:Resume:MaxHeldFrames and Ai:Resume:MaxReplayFrames");
    }

    [Test]
    public async Task A_new_name_set_beside_the_old_one_wins()
    {
        await using var host = Host(("Ai:Resume:MaxBufferedBytes", "4096"), ("Ai:Resume:MaxHeldBytes", "2048"));

        var resume = await StartAsync(host);

        resume.MaxHeldBytes.Should().Be(2048);
        resume.MaxReplayBytes.Should().Be(4096);
        _logger.Collector.Count.Should().Be(1);
    }

    [TestCase("0", "Ai:Resume:MaxBufferedBytes must be between 1024 and 268435456 (got 0)")]
    [TestCase("lots", "Ai:Resume:MaxBufferedBytes must be a whole number (got 'lots'); it is renamed Ai:Resume:MaxHeldBytes and Ai:Resume:MaxReplayBytes")]
    public async Task A_bad_old_value_stops_the_start_naming_the_old_setting(string value, string message)
    {
        await using var host = Host(("Ai:Resume:MaxBufferedBytes", value));

        var read = () => host.GetRequiredService<IOptions<AiOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(message);
    }

    [Test]
    public async Task Without_an_old_name_nothing_changes_and_nothing_is_logged()
    {
        await using var host = Host(("Ai:Resume:MaxHeldFrames", "7"));

        var resume = await StartAsync(host);

        resume.MaxHeldFrames.Should().Be(7);
        resume.MaxReplayFrames.Should().Be(256);
        _logger.Collector.Count.Should().Be(0);
    }
}

using System.Text.Json;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Auth;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;
using Xiaozhi.Testing.Documentation;

namespace Xiaozhi.Im.Service.Tests.Documentation;

/// <summary>
/// Defaults are written once, in the options classes: --help, the sample appsettings.json and docs/configuration.md
/// must show every setting with that default and nothing else. Adding a setting means adding its help line, its sample
/// value and its row (CONTRIBUTING.md, "How to add a setting").
/// </summary>
public sealed class SettingsDocumentationTests
{
    /// <summary>Read by the host or the runtime, not bound to an options class.</summary>
    private static readonly IReadOnlySet<string> HostKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "GoServiceConfig:Path",
        "Logging:",
        "Kestrel:",
    };

    private static readonly IReadOnlyList<OptionsSetting> Settings = OptionsCatalog.Settings(typeof(AiOptions).Assembly);

    [Test]
    public void The_catalog_finds_the_settings_of_every_options_class_with_their_defaults()
    {
        // The reflection itself: sub-sections, effective lists, durations and enums in their documented form.
        Settings.Should().ContainEquivalentOf(new OptionsSetting("Ai:Resume:InitialBackoff", typeof(ResumeOptions), ["00:00:00.1"]));
        Settings.Should().ContainEquivalentOf(new OptionsSetting("Ai:Endpoints", typeof(AiOptions), ["http://localhost:50051"]));
        Settings.Should().ContainEquivalentOf(new OptionsSetting("WebSocket:Paths", typeof(DeviceWebSocketOptions), ["/", "/ws", "/xiaozhi/v1/"]));
        Settings.Should().ContainEquivalentOf(new OptionsSetting("Admission:IdleTimeout", typeof(AdmissionOptions), ["00:03:00"]));
        Settings.Should().ContainEquivalentOf(new OptionsSetting("Sessions:DuplicateDevicePolicy", typeof(DeviceSessionOptions), ["Replace"]));
        Settings.Should().ContainEquivalentOf(new OptionsSetting("Auth:JwtSecret", typeof(AuthOptions), []));
        Settings.Should().NotContain(s => s.Key.EndsWith(":Resume", StringComparison.Ordinal) || s.Key.StartsWith("Ai:Effective", StringComparison.Ordinal));
    }

    [Test]
    public void Every_options_class_is_bound_from_a_section()
    {
        OptionsCatalog.Unreached(typeof(AiOptions).Assembly).Should().BeEmpty(
            "each *Options class needs a SectionName constant (or to be a property of one that has it), so its settings are documented");
    }

    [Test]
    public void Docs_configuration_lists_every_setting_with_its_default_and_nothing_unknown()
    {
        var section = MarkdownText.Section(RepositoryFiles.Read("docs/configuration.md"), "`Xiaozhi.Im.Service`");

        SettingsChecks.Documentation(Settings, section, HostKeys).Report().Should().BeEmpty();
    }

    [Test]
    public void Help_lists_every_setting_with_its_default_and_nothing_unknown()
    {
        SettingsChecks.Help(Settings, CommandLineHelp.Text, HostKeys).Report().Should().BeEmpty();
    }

    [Test]
    public void The_sample_appsettings_shows_every_setting_with_its_default()
    {
        using var json = JsonDocument.Parse(RepositoryFiles.Read("Xiaozhi.Im.Service/appsettings.json"));

        SettingsChecks.Sample(Settings, json.RootElement.GetProperty("_sample"), "appsettings.json _sample", complete: true, HostKeys).Report().Should().BeEmpty();
    }

    [Test]
    public void The_checks_report_a_changed_default_a_missing_row_and_an_unknown_key()
    {
        // The checks must be able to fail: a reference written for other defaults is refused line by line.
        var settings = new[]
        {
            new OptionsSetting("Ai:ConnectTimeout", typeof(AiOptions), ["00:00:03"]),
            new OptionsSetting("Ai:MaxMessageBytes", typeof(AiOptions), ["16777216"]),
            new OptionsSetting("Auth:JwtSecret", typeof(AuthOptions), []),
        };
        string[] doc =
        [
            "| setting | default | meaning |",
            "|---|---|---|",
            "| `Ai:ConnectTimeout` | `00:00:05` | changed |",
            "| `Auth:JwtSecret` | `secret` | a default where there is none |",
            "| `Ai:Typo` | `1` | unknown |",
        ];
        const string help = """
              --Ai:ConnectTimeout    default 00:00:05
              --Ai:MaxMessageBytes   default 16777216
              --Auth:JwtSecret       default secret
            """;

        SettingsChecks.Documentation(settings, doc, HostKeys).Should().HaveCount(4)
            .And.Contain(p => p.StartsWith("Ai:ConnectTimeout: default `00:00:03`", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("Ai:MaxMessageBytes: 0 rows", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("Auth:JwtSecret: has no default", StringComparison.Ordinal))
            .And.Contain(p => p.Contains("Ai:Typo is documented", StringComparison.Ordinal));
        SettingsChecks.Help(settings, help, HostKeys).Should().HaveCount(2);
    }
}

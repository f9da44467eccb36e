using System.Text.Json;
using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.Testing.Documentation;

namespace Xiaozhi.AiService.Stub.Tests.Documentation;

/// <summary>
/// The stub's defaults are written once, in its options classes: its --help, its appsettings.json and its part of
/// docs/configuration.md must agree with them (CONTRIBUTING.md, "How to add a setting").
/// </summary>
[NonParallelizable]
public sealed class SettingsDocumentationTests
{
    /// <summary>Read by the host, not bound to an options class.</summary>
    private static readonly IReadOnlySet<string> HostKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "GoServiceConfig:Path",
        "Logging:",
        "Kestrel:",
    };

    private static readonly IReadOnlyList<OptionsSetting> Settings = OptionsCatalog.Settings(typeof(StubOptions).Assembly);

    [Test]
    public void The_catalog_finds_every_section_of_the_stub()
    {
        Settings.Select(s => s.Key[..s.Key.LastIndexOf(':')]).Distinct()
            .Should().BeEquivalentTo("Stub", "Stub:Faults", "Stub:Tls", "Ota", "Auth");
        Settings.Should().ContainEquivalentOf(new OptionsSetting("Stub:Mode", typeof(StubOptions), ["Assistant"]));
        OptionsCatalog.Unreached(typeof(StubOptions).Assembly).Should().BeEmpty("each *Options class needs a SectionName constant");
    }

    [Test]
    public void Docs_configuration_lists_every_setting_with_its_default_and_nothing_unknown()
    {
        var section = MarkdownText.Section(RepositoryFiles.Read("docs/configuration.md"), "`Xiaozhi.AiService.Stub`");

        SettingsChecks.Documentation(Settings, section, HostKeys).Report().Should().BeEmpty();
    }

    [Test]
    public void Help_printed_by_the_program_lists_every_setting_with_its_default_and_nothing_unknown()
    {
        var help = RunWithHelp();

        help.Should().Contain("Xiaozhi.AiService.Stub");
        SettingsChecks.Help(Settings, help, HostKeys).Report().Should().BeEmpty();
    }

    [Test]
    public void Appsettings_sets_nothing_but_the_defaults()
    {
        // The stub runs without it (tests do): a value there that differs from its default would make the two disagree.
        using var json = JsonDocument.Parse(
            RepositoryFiles.Read("Xiaozhi.AiService.Stub/appsettings.json"),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        SettingsChecks.Sample(Settings, json.RootElement, "Xiaozhi.AiService.Stub/appsettings.json", complete: false, HostKeys).Report().Should().BeEmpty();
    }

    private static string RunWithHelp()
    {
        var main = typeof(StubOptions).Assembly.EntryPoint!;
        var original = Console.Out;
        using var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            var exit = main.Invoke(null, [new[] { "--help" }]);
            (exit is Task<int> task ? task.GetAwaiter().GetResult() : exit).Should().Be(0);
        }
        finally
        {
            Console.SetOut(original);
        }

        return output.ToString();
    }
}

using System.Text.RegularExpressions;
using Xiaozhi.Im.Service.Auth;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>
/// Issue 25 B6: every secret-looking value the repository ships (deploy/, build.sh, build.ps1, appsettings*.json) is on
/// <see cref="SampleSecrets"/>, the list the gateway refuses outside Development, so a new sample cannot slip past it.
/// </summary>
public sealed partial class ShippedSecretsTests
{
    [Test]
    public void Every_shipped_secret_value_is_on_the_refused_list()
    {
        var found = ShippedFiles().SelectMany(file => SecretValues(RepositoryFiles.Read(file)).Select(value => (File: file, Value: value))).ToList();

        found.Select(f => f.File).Should().Contain(
            ["deploy/systemd/im.env.example", "deploy/systemd/stub.env.example", "build.sh", "build.ps1", "Xiaozhi.Im.Service/appsettings.json"],
            "the patterns must see the secrets these files are known to ship (found: {0})", string.Join(", ", found));
        found.Where(f => !SampleSecrets.Contains(f.Value)).Should().BeEmpty(
            "a secret shipped in the repository is public: add it to Xiaozhi.Im.Service/Auth/SampleSecrets.cs");
    }

    [TestCase("Auth__JwtSecret=hunter2", "hunter2")]
    [TestCase("  Environment=Auth__JwtSecret=s3cr3t ASPNETCORE_ENVIRONMENT=Production", "s3cr3t")]
    [TestCase("JWT_SECRET=\"${XIAOZHI_JWT_SECRET:-dev-value}\"", "dev-value")]
    [TestCase("$JwtSecret = if ($env:XIAOZHI_JWT_SECRET) { $env:XIAOZHI_JWT_SECRET } else { 'dev-value' }", "dev-value")]
    [TestCase("\"JwtSecret\": \"json-value\",", "json-value")]
    [TestCase("- name: Auth__JwtSecret\n  value: yaml-value", "yaml-value")]
    [TestCase("stringData:\n  jwt-secret: yaml-secret", "yaml-secret")]
    [TestCase("--Auth:JwtSecret \"$JWT_SECRET\"", null)]
    [TestCase("# Settings as environment variables (Auth__JwtSecret=..., Management__Urls=...)", null)]
    [TestCase("- name: Auth__JwtSecret\n  valueFrom:\n    secretKeyRef:", null)]
    public void The_patterns_find_literal_secrets_and_skip_references(string text, string? expected)
    {
        var values = SecretValues(text).ToList();

        if (expected is null)
        {
            values.Should().BeEmpty();
        }
        else
        {
            values.Should().Equal(expected);
        }
    }

    private static IEnumerable<string> ShippedFiles()
    {
        var root = RepositoryFiles.Root;
        var deploy = Directory.EnumerateFiles(RepositoryFiles.PathOf("deploy"), "*", SearchOption.AllDirectories);
        var settings = Directory.EnumerateFiles(root, "appsettings*.json", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "artifacts" or ".git"));
        return
        [
            .. deploy.Concat(settings).Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/')),
            "build.sh",
            "build.ps1",
        ];
    }

    /// <summary>Literal values assigned to a secret-named key, in the syntaxes the shipped files use; references skipped.</summary>
    private static IEnumerable<string> SecretValues(string text) =>
        SecretPatterns().SelectMany(pattern => pattern.Matches(text)).Select(m => m.Groups["value"].Value.Trim());

    private static Regex[] SecretPatterns() =>
    [
        EnvAssignment(), ShellDefault(), PowerShellDefault(), JsonProperty(), YamlEnvValue(), YamlSecretData(),
    ];

    // KEY=value (env files, systemd Environment=): a key naming a secret or password; "..." in comments is no value.
    [GeneratedRegex(@"(?im)(?:^|\s|=)[\w.]*(?:secret|password)\w*=(?<value>[\w<][^\s""']*)")]
    private static partial Regex EnvAssignment();

    // ${XIAOZHI_JWT_SECRET:-default}
    [GeneratedRegex(@"(?i)\$\{\w*(?:secret|password)\w*:-(?<value>[^}]+)\}")]
    private static partial Regex ShellDefault();

    // $JwtSecret = if (...) { ... } else { 'default' }
    [GeneratedRegex(@"(?im)^\s*\$\w*(?:secret|password)\w*\s*=.*'(?<value>[^']+)'\s*\}?\s*$")]
    private static partial Regex PowerShellDefault();

    // "JwtSecret": "value"
    [GeneratedRegex(@"(?i)""\w*(?:secret|password)\w*""\s*:\s*""(?<value>[^""]+)""")]
    private static partial Regex JsonProperty();

    // - name: Auth__JwtSecret / value: literal
    [GeneratedRegex(@"(?im)name:\s*\S*(?:secret|password)\S*\s*\n\s*value:\s*(?<value>.+)$")]
    private static partial Regex YamlEnvValue();

    // A Secret's stringData/data entries.
    [GeneratedRegex(@"(?im)^[ \t]+[\w.-]*(?:secret|password)[\w.-]*:[ \t]*(?<value>[^\s{|>][^\n]*)$")]
    private static partial Regex YamlSecretData();
}

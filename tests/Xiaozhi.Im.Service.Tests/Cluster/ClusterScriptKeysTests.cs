using System.Reflection;
using System.Text.RegularExpressions;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>
/// Every key a cluster script touches is one of its KEYS: Redis Cluster routes a script by its KEYS and key-prefix
/// proxies rewrite only them, so a key name built inside a script would go to the wrong shard or miss the prefix.
/// </summary>
public sealed partial class ClusterScriptKeysTests
{
    // Commands the scripts use whose first argument is not a key (a channel, or nothing).
    private static readonly HashSet<string> KeylessCommands = new(StringComparer.OrdinalIgnoreCase) { "PUBLISH", "PUBSUB", "TIME" };

    private static IEnumerable<TestCaseData> Scripts() =>
        typeof(ClusterScripts).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => new TestCaseData((string)f.GetRawConstantValue()!).SetArgDisplayNames(f.Name));

    [Test]
    public void There_are_scripts_to_check() => Scripts().Should().HaveCountGreaterThanOrEqualTo(5);

    [TestCaseSource(nameof(Scripts))]
    public void Every_key_a_script_accesses_is_a_KEYS_entry(string script)
    {
        var calls = RedisCall().Matches(script);
        calls.Should().NotBeEmpty();
        foreach (Match call in calls)
        {
            var command = call.Groups["command"].Value;
            if (KeylessCommands.Contains(command))
            {
                continue;
            }

            call.Groups["key"].Value.Trim().Should().MatchRegex(@"^KEYS\[[^\]]+\]$", $"{command} must name one of the script's KEYS, not a name it builds: {call.Value}");
        }

        script.Should().NotContain("'device:'").And.NotContain("'node:'", "key names are built by the caller (ClusterKeys)");
    }

    [GeneratedRegex(@"redis\.call\('(?<command>\w+)'(?:,\s*(?<key>[^,)]+))?")]
    private static partial Regex RedisCall();
}

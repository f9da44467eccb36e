using Xiaozhi.Im.Service.Runtime;

namespace Xiaozhi.Im.Service.Tests.Runtime;

public class SharedBufferPoolCapacityTests
{
    [Test]
    public void Unset_variable_gets_the_gateway_default()
    {
        var environment = new Dictionary<string, string>();

        var applied = SharedBufferPoolCapacity.ApplyDefault(environment.GetValueOrDefault, (name, value) => environment[name] = value);

        environment.Should().ContainKey(SharedBufferPoolCapacity.EnvironmentVariable).WhoseValue.Should().Be("1024");
        applied.Should().Be("1024 (the gateway's default)");
    }

    [Test]
    public void Operator_value_is_kept_and_reported()
    {
        var environment = new Dictionary<string, string> { [SharedBufferPoolCapacity.EnvironmentVariable] = "64" };

        var applied = SharedBufferPoolCapacity.ApplyDefault(environment.GetValueOrDefault, (name, value) => environment[name] = value);

        environment[SharedBufferPoolCapacity.EnvironmentVariable].Should().Be("64");
        applied.Should().Be("64 (from DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION)");
    }

    [Test]
    public void Empty_variable_counts_as_unset()
    {
        var environment = new Dictionary<string, string> { [SharedBufferPoolCapacity.EnvironmentVariable] = "" };

        SharedBufferPoolCapacity.ApplyDefault(environment.GetValueOrDefault, (name, value) => environment[name] = value);

        environment[SharedBufferPoolCapacity.EnvironmentVariable].Should().Be("1024");
    }
}

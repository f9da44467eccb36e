using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>Ai:Balancing: defaults as documented, every bad value refused with a message naming the setting.</summary>
public class BalancingOptionsValidationTests
{
    private static string Failure(Action<AiOptions> change)
    {
        var options = new AiOptions { Endpoints = ["http://a:1", "http://b:2"] };
        change(options);
        var result = new AiOptionsValidator().Validate(null, options);
        result.Failed.Should().BeTrue();
        return result.FailureMessage!;
    }

    [Test]
    public void Defaults_are_valid_and_the_documented_ones()
    {
        var options = new AiOptions();
        new AiOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
        options.Balancing.Policy.Should().Be(AiBalancingPolicy.PeakEwma);
        options.Balancing.DecayTime.Should().Be(TimeSpan.FromSeconds(10));
        options.Balancing.FailurePenalty.Should().Be(TimeSpan.FromSeconds(5));
        options.Balancing.EjectAfterFailures.Should().Be(5);
        options.Balancing.EjectionTime.Should().Be(TimeSpan.FromSeconds(30));
        options.Balancing.MaxEjectionTime.Should().Be(TimeSpan.FromMinutes(5));
        options.Balancing.MaxEjectionPercent.Should().Be(50);
        options.Balancing.WeightOf(3).Should().Be(1);
    }

    [TestCase("Ai:Balancing:Policy")]
    [TestCase("Ai:Balancing:DecayTime")]
    [TestCase("Ai:Balancing:FailurePenalty")]
    [TestCase("Ai:Balancing:Weights has 3 entries")]
    [TestCase("Ai:Balancing:Weights:1")]
    [TestCase("Ai:Balancing:EjectAfterFailures")]
    [TestCase("Ai:Balancing:EjectionTime")]
    [TestCase("Ai:Balancing:MaxEjectionPercent")]
    public void A_bad_value_is_refused_naming_its_setting(string setting)
    {
        Action<AiOptions> change = setting switch
        {
            "Ai:Balancing:Policy" => o => o.Balancing.Policy = (AiBalancingPolicy)7,
            "Ai:Balancing:DecayTime" => o => o.Balancing.DecayTime = TimeSpan.Zero,
            "Ai:Balancing:FailurePenalty" => o => o.Balancing.FailurePenalty = TimeSpan.FromSeconds(-1),
            "Ai:Balancing:Weights has 3 entries" => o => o.Balancing.Weights = [1, 1, 1],
            "Ai:Balancing:Weights:1" => o => o.Balancing.Weights = [1, 0],
            "Ai:Balancing:EjectAfterFailures" => o => o.Balancing.EjectAfterFailures = -1,
            "Ai:Balancing:EjectionTime" => o => o.Balancing.MaxEjectionTime = TimeSpan.FromSeconds(1),
            _ => o => o.Balancing.MaxEjectionPercent = 101,
        };

        Failure(change).Should().Contain(setting);
    }
}

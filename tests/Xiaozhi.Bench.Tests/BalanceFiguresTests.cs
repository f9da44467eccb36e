using Xiaozhi.Bench.Runs;

namespace Xiaozhi.Bench.Tests;

/// <summary>The balancing run's arithmetic: nearest-rank percentiles, shares of what grew, Prometheus text by label.</summary>
public sealed class BalanceFiguresTests
{
    [Test]
    public void Percentiles_are_nearest_rank_and_none_without_values()
    {
        double[] values = [.. Enumerable.Range(1, 100).Select(i => (double)i).Reverse()];

        BalanceFigures.Percentile(values, 50).Should().Be(50);
        BalanceFigures.Percentile(values, 95).Should().Be(95);
        BalanceFigures.Percentile(values, 99).Should().Be(99);
        BalanceFigures.Percentile([7.0], 99).Should().Be(7);
        BalanceFigures.Percentile([], 50).Should().BeNull();
    }

    [Test]
    public void Shares_are_of_what_grew_between_two_readings()
    {
        var before = new Dictionary<string, double> { ["A"] = 100, ["B"] = 50 };
        var after = new Dictionary<string, double> { ["A"] = 130, ["B"] = 60, ["C"] = 10 };

        BalanceFigures.Shares(before, after).Should().BeEquivalentTo(new Dictionary<string, double> { ["A"] = 60, ["B"] = 20, ["C"] = 20 });
    }

    [Test]
    public void Shares_are_zero_when_nothing_grew()
    {
        var reading = new Dictionary<string, double> { ["A"] = 5, ["B"] = 5 };

        BalanceFigures.Shares(reading, reading).Values.Should().AllBeEquivalentTo(0.0);
    }

    [Test]
    public void Samples_are_summed_by_the_label_and_other_metrics_are_left_out()
    {
        const string text = """
            # TYPE xiaozhi_im_upstream_streams gauge
            xiaozhi_im_upstream_streams{endpoint="http://127.0.0.1:5001/",otel_scope_name="Xiaozhi.Im"} 7
            xiaozhi_im_upstream_streams{endpoint="http://127.0.0.1:5002/",otel_scope_name="Xiaozhi.Im"} 3 1700000000000
            xiaozhi_im_upstream_streams_cut_total{endpoint="http://127.0.0.1:5001/"} 99
            xiaozhi_im_endpoint_serving{endpoint="http://127.0.0.1:5002/",state="NotServing"} 0
            xiaozhi_im_moves_total{reason="not_serving",note="a \"quoted\" value"} 2
            xiaozhi_im_moves_total{reason="not_serving"} 1.5e1
            """;

        BalanceFigures.ByLabel(text, "xiaozhi_im_upstream_streams", "endpoint")
            .Should().BeEquivalentTo(new Dictionary<string, double> { ["http://127.0.0.1:5001/"] = 7, ["http://127.0.0.1:5002/"] = 3 });
        BalanceFigures.ByLabel(text, "xiaozhi_im_moves_total", "reason").Should().BeEquivalentTo(new Dictionary<string, double> { ["not_serving"] = 17 });
        BalanceFigures.ByLabel(text, "xiaozhi_im_moves_total", "endpoint").Should().BeEmpty();
    }
}

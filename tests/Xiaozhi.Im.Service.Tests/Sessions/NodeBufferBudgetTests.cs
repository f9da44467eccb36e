using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>The node's total for kept bytes: reservations up to the capacity, releases give room back, never past it under races.</summary>
public class NodeBufferBudgetTests
{
    [Test]
    public void Reservations_fit_up_to_the_capacity_and_one_byte_more_is_refused()
    {
        var budget = new NodeBufferBudget(1_000);

        budget.TryReserve(600).Should().BeTrue();
        budget.TryReserve(400).Should().BeTrue("exactly the capacity fits");
        budget.TryReserve(1).Should().BeFalse("the budget is full");
        budget.Reserved.Should().Be(1_000, "a refused reservation takes nothing");
    }

    [Test]
    public void A_release_gives_its_bytes_back()
    {
        var budget = new NodeBufferBudget(1_000);
        budget.TryReserve(1_000).Should().BeTrue();

        budget.Release(300);

        budget.Reserved.Should().Be(700);
        budget.TryReserve(301).Should().BeFalse();
        budget.TryReserve(300).Should().BeTrue();
    }

    [Test]
    public void A_reservation_larger_than_the_whole_budget_is_refused_even_when_empty()
    {
        var budget = new NodeBufferBudget(1_000);

        budget.TryReserve(1_001).Should().BeFalse();
        budget.Reserved.Should().Be(0);
    }

    [Test]
    public void Racing_reservations_never_pass_the_capacity()
    {
        var budget = new NodeBufferBudget(10_000);
        var granted = 0L;

        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                if (budget.TryReserve(7))
                {
                    Interlocked.Add(ref granted, 7);
                    if (i % 3 == 0)
                    {
                        budget.Release(7);
                        Interlocked.Add(ref granted, -7);
                    }
                }
            }
        });

        budget.Reserved.Should().Be(granted);
        budget.Reserved.Should().BeLessThanOrEqualTo(10_000);
    }

    [Test]
    public void Zero_means_a_quarter_of_the_available_memory_and_at_least_64_MiB()
    {
        var budget = new NodeBufferBudget(0);

        budget.Capacity.Should().BeGreaterThanOrEqualTo(64L * 1024 * 1024);
        budget.Capacity.Should().BeLessThanOrEqualTo(Math.Max(64L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
    }
}

namespace Xiaozhi.Testing.Polling;

/// <summary>Bounded polling for state another task or process updates asynchronously (no fixed sleeps).</summary>
public static class Eventually
{
    /// <summary>Retries an assertion until it passes; after <paramref name="within"/> (5 s) its failure is the test's.</summary>
    public static async Task Async(Action assertion, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test with <paramref name="because"/> after <paramref name="timeout"/> (5 s).</summary>
    public static async Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {because}");
            }

            await Task.Delay(10);
        }
    }
}

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>Retries an assertion for a bounded time (for state another process updates asynchronously).</summary>
public static class Eventually
{
    public static async Task Async(Action assertion, TimeSpan? within = null)
    {
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
}

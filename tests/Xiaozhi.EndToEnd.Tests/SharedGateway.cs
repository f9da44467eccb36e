using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// One stub + IM pair for every fixture that needs no special configuration (started once, stopped at the end).
/// </summary>
[SetUpFixture]
internal sealed class SharedGateway
{
    private static Gateway? _gateway;

    public static Gateway Instance => _gateway ?? throw new InvalidOperationException("SharedGateway not started");

    [OneTimeSetUp]
    public async Task StartAsync() => _gateway = await Gateway.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }
}

using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service;
using Xiaozhi.Im.Service.Runtime;

// First, before anything rents from the shared buffer pool (the runtime reads the setting once).
var sharedBufferPool = SharedBufferPoolCapacity.ApplyDefault();

if (CommandLineHelp.IsRequested(args))
{
    Console.WriteLine(CommandLineHelp.Text);
    return 0;
}

try
{
    var app = ImApplication.Build(args);
    LogSharedBufferPool(app.Logger, sharedBufferPool);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("Invalid configuration, not starting:");
    foreach (var failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure);
    }

    return 2;
}

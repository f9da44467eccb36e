using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service;

if (CommandLineHelp.IsRequested(args))
{
    Console.WriteLine(CommandLineHelp.Text);
    return 0;
}

try
{
    var app = ImApplication.Build(args);
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

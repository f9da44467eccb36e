using Xiaozhi.Im.Service;
using Xiaozhi.Im.Service.Runtime;

// First, before anything rents from the shared buffer pool (the runtime reads the setting once).
var sharedBufferPool = SharedBufferPoolCapacity.ApplyDefault();

if (CommandLineHelp.IsRequested(args))
{
    Console.WriteLine(CommandLineHelp.Text);
    return 0;
}

// A bad setting: one message naming it and exit 2 (StartupFailure), no stack trace.
return await new StartupFailure().RunAsync(
    quiet => ImApplication.Build(args, quiet),
    app => LogSharedBufferPool(app.Logger, sharedBufferPool),
    Console.Error);

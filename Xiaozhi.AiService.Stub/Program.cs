using Xiaozhi.AiService.Stub;
using Xiaozhi.Im.Service.Runtime;

if (StubCommandLine.WantsHelp(args))
{
    Console.WriteLine(StubCommandLine.HelpText);
    return 0;
}

// A bad setting: one message naming it and exit 2 (the IM's StartupFailure, linked in), no stack trace.
return await new StartupFailure().RunAsync(
    quiet => StubApplication.Build(args, quiet),
    app => Console.WriteLine($"Xiaozhi AI service stub: gRPC on {app.GetGrpcAddress()}, OTA on {app.GetOtaAddress()}"),
    Console.Error);

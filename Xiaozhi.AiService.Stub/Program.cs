using Xiaozhi.AiService.Stub;

if (StubCommandLine.WantsHelp(args))
{
    Console.WriteLine(StubCommandLine.HelpText);
    return 0;
}

var app = StubApplication.Build(args);
await app.StartAsync();
Console.WriteLine($"Xiaozhi AI service stub: gRPC on {app.GetGrpcAddress()}, OTA on {app.GetOtaAddress()}");
await app.WaitForShutdownAsync();
return 0;

using Xiaozhi.AiService.Stub;

var app = StubApplication.Build(args);
await app.RunAsync();

using Xiaozhi.Im.Service;

var app = ImApplication.Build(args);
await app.RunAsync();

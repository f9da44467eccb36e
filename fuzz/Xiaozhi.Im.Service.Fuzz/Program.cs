using SharpFuzz;
using Xiaozhi.Im.Service.Fuzz;

// Under AFL (build.sh fuzz): read inputs from AFL's forkserver.
// With --replay <dir>: run every file in the folder once (corpus smoke test, crash reproduction).
if (args is ["--replay", var folder])
{
    var files = Directory.GetFiles(folder);
    foreach (var file in files)
    {
        DeviceInputTarget.Run(File.ReadAllBytes(file));
    }

    Console.WriteLine($"replayed {files.Length} inputs from {folder}: no crash");
    return;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    DeviceInputTarget.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});

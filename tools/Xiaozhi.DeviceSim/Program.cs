using System.Diagnostics;
using System.Globalization;
using Xiaozhi.DeviceSim.Cli;
using Xiaozhi.DeviceSim.Reporting;
using Xiaozhi.DeviceSim.Running;

if (SimArguments.WantsHelp(args))
{
    Console.WriteLine(SimArguments.Help);
    return 0;
}

SimOptions options;
try
{
    options = SimArguments.Parse(args);
}
catch (FormatException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

await using var fleet = new DeviceFleet(options.ToDeviceSettings());
ConnectReport connect;
var measured = TimeSpan.Zero;
await using (new ProgressLine(fleet.Counters, Console.Error, options.Devices, overwrite: !options.Quiet && !Console.IsErrorRedirected))
{
    connect = await fleet.ConnectAsync(options.Devices, options.Ramp, cancel.Token);
    await Console.Error.WriteLineAsync(string.Format(
        CultureInfo.InvariantCulture,
        "\nconnected {0}/{1} in {2:0.000} s",
        connect.Connected,
        connect.Requested,
        connect.Elapsed.TotalSeconds));
    if (connect.Connected > 0)
    {
        var plan = options.ToPlan();
        if (options.Warmup > TimeSpan.Zero)
        {
            await fleet.RunAsync(plan, options.Warmup, cancel.Token);
            await fleet.DrainAsync(TimeSpan.FromSeconds(2));
            fleet.ResetLatencies();
        }

        var started = Stopwatch.GetTimestamp();
        await fleet.RunAsync(plan, options.Duration, cancel.Token);
        measured = Stopwatch.GetElapsedTime(started);
        await fleet.DrainAsync(TimeSpan.FromSeconds(2));
    }
}

var run = fleet.Collect();
Console.WriteLine(options.Json ? JsonResult.Format(options, connect, run, measured) : ResultTable.Format(run, measured));
await fleet.CloseAllAsync(TimeSpan.FromSeconds(2));
return connect.Connected > 0 ? 0 : 1;

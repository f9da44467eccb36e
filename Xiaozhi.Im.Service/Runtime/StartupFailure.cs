using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Runtime;

/// <summary>
/// The start-up of both programs (the IM and, linked in, the stub): a bad setting, or a listen address already in use,
/// prints one message naming it and exits with <see cref="ExitCode"/>, never a stack trace. The host's own
/// "Hosting failed to start" error (logged with the trace before the exception reaches the program) is held back.
/// Any other exception is a bug and stays unhandled, trace and all.
/// </summary>
internal sealed class StartupFailure
{
    /// <summary>The exit code of a refused start (as for a bad command line).</summary>
    public const int ExitCode = 2;

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private volatile bool _started;

    /// <summary>
    /// Builds with <paramref name="build"/> (given the builder hook that quiets the host's start-failure log), starts,
    /// calls <paramref name="started"/> and runs until shutdown: 0, or <see cref="ExitCode"/> after the message on
    /// <paramref name="error"/>.
    /// </summary>
    public async Task<int> RunAsync(Func<Action<WebApplicationBuilder>, WebApplication> build, Action<WebApplication> started, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(started);
        ArgumentNullException.ThrowIfNull(error);
        WebApplication? app = null;
        try
        {
            app = build(builder => QuietHostStartFailure(builder.Logging));
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (Describe(ex) is { } failures)
        {
            await error.WriteLineAsync("Invalid configuration, not starting:").ConfigureAwait(false);
            foreach (var failure in failures)
            {
                await error.WriteLineAsync("  - " + failure).ConfigureAwait(false);
            }

            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            return ExitCode;
        }

        _started = true;
        await using (app.ConfigureAwait(false))
        {
            started(app);
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    // The host logs nothing at Information or below that an operator reads; before it started, its only error is the
    // start failure (event 11) that RunAsync reports itself. Critical (a background service stopping the host) stays.
    private void QuietHostStartFailure(ILoggingBuilder logging) =>
        logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && (_started || level >= LogLevel.Critical));

    private static List<string>? Describe(Exception error) => error switch
    {
        OptionsValidationException options => [.. options.Failures],

        // Kestrel's message names the URL, e.g. "Failed to bind to address http://127.0.0.1:8000: address already in use."
        IOException { InnerException: AddressInUseException } bind => [bind.Message],
        AggregateException all when all.InnerExceptions.Select(Describe).ToList() is var each && each.All(d => d is not null) =>
            [.. each.SelectMany(d => d!)],
        _ => null,
    };
}

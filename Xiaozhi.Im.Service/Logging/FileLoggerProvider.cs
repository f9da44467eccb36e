using System.Text;

namespace Xiaozhi.Im.Service.Logging;

/// <summary>
/// An optional plain-text log file (<c>Logging:File:Path</c>, e.g. mapped from the Go service's <c>log.log_dir</c> +
/// <c>log.log_file</c>). One line per entry, appended and flushed under a lock: no queue, so nothing is lost or
/// buffered without bound; levels are filtered by the usual <c>Logging:LogLevel</c> settings. Each line carries the
/// scopes it was written in (the session's <c>{SessionId=…, DeviceId=…}</c>), so one session's lines can be found.
/// Message, scope values and exception text are written through <see cref="LogText"/>'s escaping: whatever a call site
/// missed, a device value cannot end the line and forge the next.
/// </summary>
internal sealed class FileLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    /// <summary>The setting that turns the file log on.</summary>
    public const string PathKey = "Logging:File:Path";

    private static readonly Action<object?, StringBuilder> AppendScope = (scope, line) =>
    {
        line.Append(" {");
        if (scope is IEnumerable<KeyValuePair<string, object?>> values)
        {
            var first = true;
            foreach (var (key, value) in values)
            {
                // A message-template scope also lists its template; the values are what a reader greps for.
                if (key == "{OriginalFormat}")
                {
                    continue;
                }

                line.Append(first ? string.Empty : ", ").Append(key).Append('=');
                LogText.AppendEscaped(line, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                first = false;
            }
        }
        else
        {
            LogText.AppendEscaped(line, Convert.ToString(scope, System.Globalization.CultureInfo.InvariantCulture));
        }

        line.Append('}');
    };

    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;

    // The logger factory hands over its scope stack (ISupportExternalScope); this one serves a provider used on its own.
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Opens (appends to) the file, creating its folder.</summary>
    public FileLoggerProvider(string path, TimeProvider timeProvider)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _writer = new StreamWriter(new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false)) { AutoFlush = true };
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    private void Write(LogLevel level, string category, EventId eventId, string message, Exception? exception)
    {
        var line = new StringBuilder(128)
            .Append(_timeProvider.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(' ').Append(level).Append(' ').Append(category).Append('[').Append(eventId.Id).Append(']');
        _scopes.ForEachScope(AppendScope, line);
        line.Append(' ');
        LogText.AppendEscaped(line, message);
        if (exception is not null)
        {
            line.Append(' ').Append(exception.GetType().Name).Append(": ");
            LogText.AppendEscaped(line, exception.Message);
        }

        lock (_gate)
        {
            _writer.WriteLine(line.ToString());
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, eventId, formatter(state, exception), exception);
            }
        }
    }
}

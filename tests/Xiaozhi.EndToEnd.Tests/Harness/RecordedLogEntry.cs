using Microsoft.Extensions.Logging;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>One entry a <see cref="RecordingLoggerProvider"/> kept.</summary>
public sealed record RecordedLogEntry(string Category, LogLevel Level, int EventId, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Level} {Category}[{EventId}] {Message}";
}

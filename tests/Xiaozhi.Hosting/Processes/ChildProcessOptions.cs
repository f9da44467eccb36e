namespace Xiaozhi.Hosting;

/// <summary>How to start a <see cref="ChildProcess"/>.</summary>
/// <param name="Name">A label for messages and timelines.</param>
/// <param name="Program">An executable, or a <c>.dll</c> run on the shared runtime (<c>dotnet &lt;dll&gt;</c>).</param>
public sealed record ChildProcessOptions(string Name, string Program)
{
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Set in the child's environment on top of this process's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Removed from the child's environment (a child build must not inherit the test host's MSBuild variables).</summary>
    public IReadOnlyList<string> RemoveEnvironment { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>A CPU list for <c>taskset -c</c> (the pid stays the server's: taskset execs it); null: not pinned.</summary>
    public string? Cpu { get; init; }

    /// <summary>A line containing this text makes <see cref="ChildProcess.WaitReadyAsync"/> return.</summary>
    public string? ReadyLine { get; init; }

    /// <summary>How many of the last output lines <see cref="ChildProcess.Output"/> keeps (a long benchmark's haproxy log is unbounded).</summary>
    public int KeepLines { get; init; } = 100_000;

    /// <summary>Called with every output line, on the reader's thread (a benchmark's timeline).</summary>
    public Action<string>? OnLine { get; init; }
}

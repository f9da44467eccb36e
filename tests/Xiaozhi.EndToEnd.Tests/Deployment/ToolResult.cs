namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>How an external tool ended: its exit code and what it wrote (stdout, then stderr).</summary>
internal sealed record ToolResult(string Command, int ExitCode, string Output)
{
    public override string ToString() => $"{Command} exited {ExitCode}:\n{Output}";
}

using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// Counts the exceptions a server child throws (first-chance: every throw and rethrow, each a stack walk). When the
/// child's environment names a file in <see cref="EnvironmentVariable"/>
/// (<c>./build.sh bench --server-env XIAOZHI_BENCH_EXCEPTION_SITES=/tmp/exceptions.txt</c>) it also counts them by type
/// and throwing method and rewrites that file at the end of every measured window.
/// </summary>
public sealed class ExceptionCounter : IDisposable
{
    /// <summary>The environment variable naming the output file.</summary>
    public const string EnvironmentVariable = "XIAOZHI_BENCH_EXCEPTION_SITES";

    private readonly string? _path = Environment.GetEnvironmentVariable(EnvironmentVariable);
    private readonly Dictionary<string, int> _bySite = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _firstStack = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private long _thrown;

    /// <summary>Starts counting.</summary>
    public ExceptionCounter() => AppDomain.CurrentDomain.FirstChanceException += OnThrown;

    /// <summary>Exceptions thrown since the process started counting.</summary>
    public long Thrown => Interlocked.Read(ref _thrown);

    /// <summary>Forgets the sites (a new window); <see cref="Thrown"/> keeps counting.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _bySite.Clear();
            _firstStack.Clear();
        }
    }

    /// <summary>Writes the window's table (sites by count) to the file the environment names.</summary>
    public void WriteWindow(string title)
    {
        if (string.IsNullOrEmpty(_path))
        {
            return;
        }

        List<KeyValuePair<string, int>> rows;
        Dictionary<string, string> stacks;
        lock (_gate)
        {
            rows = [.. _bySite.OrderByDescending(r => r.Value)];
            stacks = new Dictionary<string, string>(_firstStack, StringComparer.Ordinal);
        }

        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"{title}: {rows.Sum(r => r.Value)} exceptions");
        foreach (var (site, count) in rows.Take(40))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{count,8}  {site}");
        }

        foreach (var (site, _) in rows.Take(10))
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"first thrown: {site}").AppendLine(stacks.GetValueOrDefault(site));
        }

        File.WriteAllText(_path, text.ToString());
    }

    /// <inheritdoc />
    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnThrown;

    private void OnThrown(object? sender, FirstChanceExceptionEventArgs e)
    {
        Interlocked.Increment(ref _thrown);
        if (_path is null)
        {
            return;
        }

        var method = e.Exception.TargetSite;
        var site = $"{e.Exception.GetType().Name} in {method?.DeclaringType?.FullName}.{method?.Name}";
        lock (_gate)
        {
            _bySite[site] = _bySite.GetValueOrDefault(site) + 1;
            if (!_firstStack.ContainsKey(site))
            {
                _firstStack[site] = e.Exception.Message + "\n" + Environment.StackTrace;
            }
        }
    }
}

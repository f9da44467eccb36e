using System.Globalization;

namespace Xiaozhi.Bench.Soak;

/// <summary>The checker's running count of turn outcomes.</summary>
internal sealed class TurnTally
{
    public int Turns { get; set; }

    public int Completed { get; set; }

    public int Abandoned { get; set; }

    public int Silent { get; set; }

    public Dictionary<string, int> Told { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> CutByFault { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts a told turn by what it was told: an alert's text, or a close code and reason.</summary>
    public void Tell(DeviceEvent told)
    {
        var reason = told switch
        {
            AlertReceived alert => "alert: " + alert.Text,
            Closed close => $"close {close.Code?.ToString(CultureInfo.InvariantCulture)}: {close.Reason}",
            _ => told.GetType().Name,
        };
        Told[reason] = Told.GetValueOrDefault(reason) + 1;
    }
}

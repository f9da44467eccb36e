using System.Text.Json.Serialization;

namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>What <c>GET /stub/faults</c> (and every fault POST) answers: the stub's fault switches right now.</summary>
internal sealed record FaultState
{
    [JsonPropertyName("responseDelayMs")]
    public required long ResponseDelayMs { get; init; }

    [JsonPropertyName("refuseNewStreams")]
    public required bool RefuseNewStreams { get; init; }

    [JsonPropertyName("failStreamsAfterMessages")]
    public required int? FailStreamsAfterMessages { get; init; }

    [JsonPropertyName("draining")]
    public required bool Draining { get; init; }

    [JsonPropertyName("maxConcurrentTurns")]
    public required int MaxConcurrentTurns { get; init; }

    [JsonPropertyName("turnsRunning")]
    public required int TurnsRunning { get; init; }

    [JsonPropertyName("turnsWaiting")]
    public required int TurnsWaiting { get; init; }

    [JsonPropertyName("failEveryNthTurn")]
    public required int? FailEveryNthTurn { get; init; }

    [JsonPropertyName("openConnections")]
    public required int OpenConnections { get; init; }

    /// <summary>Reads the switches.</summary>
    public static FaultState Of(StubFaults faults) => new()
    {
        ResponseDelayMs = (long)faults.ResponseDelay.TotalMilliseconds,
        RefuseNewStreams = faults.RefuseNewStreams,
        FailStreamsAfterMessages = faults.FailStreamsAfterMessages,
        Draining = faults.Draining,
        MaxConcurrentTurns = faults.MaxConcurrentTurns,
        TurnsRunning = faults.TurnLoad.Running,
        TurnsWaiting = faults.TurnLoad.Waiting,
        FailEveryNthTurn = faults.FailEveryNthTurn,
        OpenConnections = faults.OpenConnections,
    };
}

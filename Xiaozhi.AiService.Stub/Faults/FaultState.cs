using System.Text.Json.Serialization;

namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>What <c>GET /stub/faults</c> (and every fault POST) answers: the stub's fault switches right now.</summary>
internal sealed record FaultState(
    [property: JsonPropertyName("responseDelayMs")] long ResponseDelayMs,
    [property: JsonPropertyName("refuseNewStreams")] bool RefuseNewStreams,
    [property: JsonPropertyName("failStreamsAfterMessages")] int? FailStreamsAfterMessages,
    [property: JsonPropertyName("draining")] bool Draining,
    [property: JsonPropertyName("maxConcurrentTurns")] int MaxConcurrentTurns,
    [property: JsonPropertyName("turnsRunning")] int TurnsRunning,
    [property: JsonPropertyName("turnsWaiting")] int TurnsWaiting,
    [property: JsonPropertyName("failEveryNthTurn")] int? FailEveryNthTurn,
    [property: JsonPropertyName("openConnections")] int OpenConnections)
{
    /// <summary>Reads the switches.</summary>
    public static FaultState Of(StubFaults faults) => new(
        (long)faults.ResponseDelay.TotalMilliseconds,
        faults.RefuseNewStreams,
        faults.FailStreamsAfterMessages,
        faults.Draining,
        faults.MaxConcurrentTurns,
        faults.TurnLoad.Running,
        faults.TurnLoad.Waiting,
        faults.FailEveryNthTurn,
        faults.OpenConnections);
}

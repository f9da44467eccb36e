namespace Xiaozhi.Bench.Soak;

/// <summary>A frame of a turn's answer: a text frame of <see cref="TextType"/>, or <see cref="AudioBytes"/> of audio.</summary>
internal sealed record AnswerFrame(TimeSpan At, int Connection, int Turn, string? TextType, int AudioBytes) : DeviceEvent(At, Connection)
{
    public static AnswerFrame Text(TimeSpan at, int connection, int turn, string type) => new(at, connection, turn, type, 0);

    public static AnswerFrame Audio(TimeSpan at, int connection, int turn, int bytes) => new(at, connection, turn, null, bytes);
}

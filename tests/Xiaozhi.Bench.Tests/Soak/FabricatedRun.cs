using Xiaozhi.Bench.Soak;

namespace Xiaozhi.Bench.Tests.Soak;

/// <summary>
/// Hand-written histories in the shape a soak driver appends them: a clean run (every rule kept, with the faults that
/// make them interesting), and helpers that add one device doing one thing.
/// </summary>
internal static class FabricatedRun
{
    public static readonly string[] AnswerTypes = ["stt", "llm", "tts", "tts"];

    public static readonly TimeSpan End = S(60);

    public static readonly SoakBounds Bounds = new()
    {
        Nodes = 2,
        DeviceKeyTtl = S(90),
        NodeKeyTtl = S(15),
        AfterOutage = S(2),
    };

    public static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    public static SoakReport Check(SoakHistory history, params LeftoverKey[] leftovers) =>
        SoakChecker.Check(history, leftovers, Bounds, End);

    /// <summary>Keys a clean run leaves: each younger than its TTL and expiring within it.</summary>
    public static LeftoverKey[] CleanKeys =>
    [
        new("p:device:d1", KeyKind.Device, S(10), S(50)),
        new("p:node:node-a", KeyKind.Node, S(5), S(10)),
    ];

    public static SoakHistory Clean()
    {
        var history = new SoakHistory();

        // d1: a turn, abandons its connection, reconnects through the other node; the old one is replaced at once.
        var d1 = history.Device("d1");
        var c1 = Connect(d1, 0, "node-a", "s1");
        Turn(d1, c1, 1, 1.0);
        d1.Append(new Abandoned(S(2.0), c1));
        var c2 = Connect(d1, 2.1, "node-b", "s2");
        d1.Append(new Closed(S(2.4), c1, 1008, SoakChecker.ReplacedReason));
        Turn(d1, c2, 2, 3.0);

        // d2: its node SIGKILLed mid-turn (no close frame: nobody could tell it), reconnects after a refused attempt.
        history.Fault(new FaultInjected(FaultKind.NodeKilled, "node-a", S(5.0), S(8.0)));
        var d2 = history.Device("d2");
        var c3 = Connect(d2, 0.2, "node-a", "s3");
        d2.Append(new TurnStarted(S(4.9), c3, 1, AnswerTypes, "h1"));
        d2.Append(AnswerFrame.Text(S(4.95), c3, 1, "stt"));
        d2.Append(new Closed(S(5.01), c3, null, string.Empty));
        var c4 = d2.NextConnection();
        d2.Append(new ConnectAttempt(S(5.1), c4));
        d2.Append(new ConnectFailed(S(5.12), c4, "connection refused"));
        Connect(d2, 5.3, "node-b", "s4");

        // d3: told by an alert that its turn was lost (a stream that could not be resumed).
        var d3 = history.Device("d3");
        var c5 = Connect(d3, 0.3, "node-b", "s5");
        d3.Append(new TurnStarted(S(6.0), c5, 1, AnswerTypes, "h1"));
        d3.Append(AnswerFrame.Text(S(6.1), c5, 1, "stt"));
        d3.Append(new AlertReceived(S(6.5), c5, "the AI service was lost"));
        Turn(d3, c5, 2, 7.0);

        // d4: a duplicate during a Redis outage, closed within the outage's bound (not within 1 s).
        history.Fault(new FaultInjected(FaultKind.RedisPrimaryKilled, "redis", S(10.0), S(12.0)));
        var d4 = history.Device("d4");
        var c6 = Connect(d4, 0.4, "node-a", "s6");
        d4.Append(new Abandoned(S(10.5), c6));
        Connect(d4, 10.6, "node-b", "s7");
        d4.Append(new Closed(S(12.5), c6, 1008, SoakChecker.ReplacedReason));

        // d5: both nodes down for a while: its reconnect takes long, which is not the gateway's to answer for.
        history.Fault(new FaultInjected(FaultKind.NodeKilled, "node-a", S(20.0), S(23.0)));
        history.Fault(new FaultInjected(FaultKind.NodeDrained, "node-b", S(20.5), S(23.0)));
        var d5 = history.Device("d5");
        var c7 = Connect(d5, 0.5, "node-b", "s8");
        d5.Append(new Closed(S(20.6), c7, 1001, "server shutting down"));
        Connect(d5, 20.7, "node-a", "s9", helloAfter: 2.6);
        return history;
    }

    /// <summary>Attempt, connected, hello sent, hello answered (after <paramref name="helloAfter"/> s); returns the connection.</summary>
    public static int Connect(DeviceHistory device, double at, string node, string session, double helloAfter = 0.2)
    {
        var connection = device.NextConnection();
        device.Append(new ConnectAttempt(S(at), connection));
        device.Append(new Connected(S(at + 0.05), connection, node, session));
        device.Append(new HelloSent(S(at + 0.06), connection));
        device.Append(new HelloAnswered(S(at + helloAfter), connection));
        return connection;
    }

    /// <summary>A turn answered in full and in order, audio byte-exact.</summary>
    public static void Turn(DeviceHistory device, int connection, int turn, double at)
    {
        device.Append(new TurnStarted(S(at), connection, turn, AnswerTypes, "h1"));
        device.Append(AnswerFrame.Text(S(at + 0.1), connection, turn, "stt"));
        device.Append(AnswerFrame.Text(S(at + 0.2), connection, turn, "llm"));
        device.Append(AnswerFrame.Text(S(at + 0.3), connection, turn, "tts"));
        device.Append(AnswerFrame.Audio(S(at + 0.4), connection, turn, 120));
        device.Append(AnswerFrame.Text(S(at + 0.5), connection, turn, "tts"));
        device.Append(new TurnCompleted(S(at + 0.5), connection, turn, "h1"));
    }
}

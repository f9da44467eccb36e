using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>The session's phase on its own: each event from each phase (a script of events, the phase it ends in).</summary>
public class SessionStateTests
{
    // Events: goaway, turn-ending (tts stop on its way), move-started, drain, turn-ended (tts stop delivered), close.
    [TestCase("", "Serving")]
    [TestCase("goaway", "MoveWanted")]
    [TestCase("goaway goaway", "MoveWanted")]
    [TestCase("goaway turn-ending", "MoveNow")]
    [TestCase("turn-ending", "Serving", Description = "no move wanted: a turn end changes nothing")]
    [TestCase("goaway move-started", "Serving")]
    [TestCase("goaway turn-ending move-started", "Serving")]
    [TestCase("goaway turn-ending move-started goaway", "MoveWanted", Description = "the new stream's connection can go away too")]
    [TestCase("drain", "Draining")]
    [TestCase("goaway drain", "Draining", Description = "a drain wins over a wanted move")]
    [TestCase("goaway turn-ending drain", "Draining")]
    [TestCase("drain goaway", "Draining", Description = "no move while draining")]
    [TestCase("drain goaway turn-ending", "Draining")]
    [TestCase("drain move-started", "Draining")]
    [TestCase("drain turn-ended", "DrainTurnEnded")]
    [TestCase("turn-ended", "Serving")]
    [TestCase("drain turn-ended drain", "DrainTurnEnded")]
    [TestCase("drain close", "Closing")]
    [TestCase("close drain", "Closing", Description = "closed anyway (the device left): a late drain sends nothing")]
    [TestCase("close goaway", "Closing")]
    public void Transitions(string script, string expected)
    {
        var state = new SessionState();
        foreach (var step in script.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Apply(state, step);
        }

        state.Phase.Should().Be(Enum.Parse<SessionPhase>(expected));
    }

    [Test]
    public void Each_change_that_needs_the_supervisor_says_so_once()
    {
        var state = new SessionState();
        state.WantMove().Should().BeTrue();
        state.WantMove().Should().BeFalse();
        state.TurnEndingDuringMove().Should().BeTrue();
        state.TurnEndingDuringMove().Should().BeFalse();
        state.BeginDrain().Should().BeTrue();
        state.BeginDrain().Should().BeFalse();
        state.TurnEndedDuringDrain().Should().BeTrue();
        state.TurnEndedDuringDrain().Should().BeFalse();
        state.Close().Should().Be(SessionPhase.DrainTurnEnded, "the close is told it left a drain: it sends 1001");
        state.Close().Should().Be(SessionPhase.Closing, "once");
    }

    [TestCase("", true, false, false)]
    [TestCase("goaway", true, true, false)]
    [TestCase("goaway", false, false, false)]
    [TestCase("goaway turn-ending", false, true, false)]
    [TestCase("drain", true, false, true)]
    [TestCase("drain", false, false, false)]
    [TestCase("drain turn-ended", false, false, true)]
    [TestCase("drain close", true, false, false)]
    public void What_is_due(string script, bool idle, bool moveDue, bool drainCloseDue)
    {
        var state = new SessionState();
        foreach (var step in script.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Apply(state, step);
        }

        state.MoveDue(idle).Should().Be(moveDue);
        state.DrainCloseDue(idle).Should().Be(drainCloseDue);
        state.IsDraining.Should().Be(script.Contains("drain", StringComparison.Ordinal));
    }

    private static void Apply(SessionState state, string step)
    {
        switch (step)
        {
            case "goaway": state.WantMove(); break;
            case "turn-ending": state.TurnEndingDuringMove(); break;
            case "move-started": state.MoveStarted(); break;
            case "drain": state.BeginDrain(); break;
            case "turn-ended": state.TurnEndedDuringDrain(); break;
            case "close": state.Close(); break;
            default: throw new ArgumentException(step);
        }
    }
}

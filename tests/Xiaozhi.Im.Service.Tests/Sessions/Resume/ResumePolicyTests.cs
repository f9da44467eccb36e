using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Tests.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions.Resume;

/// <summary>
/// The resume rules as a table on a fake clock: a session holding frames (and maybe an unanswered request kept for a
/// replay) meets one event, and the policy answers with one outcome whose drop count is what the counter shows.
/// Limits: 3 frames, 1000 bytes, 2 s of age, a 10 s deadline.
/// </summary>
public class ResumePolicyTests
{
    private static readonly ChatSessionIdentity Identity = new("s-1", "aa:bb", "c-1");
    private readonly FakeTimeProvider _time = new();
    private TestMetrics _metrics = null!;

    public enum Event
    {
        /// <summary>One more frame of the row's size arrives while no stream is open.</summary>
        NextFrame,

        /// <summary>A new stream is about to take the held frames.</summary>
        Attach,

        /// <summary>The reopener looks at the deadline before an attempt.</summary>
        Attempt,

        /// <summary>The stream ended while the host drains.</summary>
        EndedWhileDraining,

        /// <summary>The stream ended after the device's close was sent.</summary>
        EndedWhileClosing,

        /// <summary>The stream ended with nothing against a resume.</summary>
        Ended,

        /// <summary>Past the frame limit, then the deadline passes too.</summary>
        SecondGiveUp,

        /// <summary>Past the frame limit, then the device sends one more frame.</summary>
        LateFrame,

        /// <summary>The stream ended after the session gave up.</summary>
        EndedAfterGivingUp,
    }

    /// <summary>One row: what is held, whether a request waits for its answer, time since the stream was lost, the event.</summary>
    internal sealed record State(string Name, int Held, int FrameBytes, bool Unanswered, double Seconds, Event Event, long NodeBudget = long.MaxValue);

    /// <summary>What the policy answered, and the device frames counted as dropped.</summary>
    internal sealed record Result(ResumeOutcomeKind Kind, ResumeDropReason? Reason, long Dropped);

    /// <summary>A table row as NUnit passes it (public; its contents are internal types).</summary>
    public sealed class Row
    {
        internal Row(State state, Result expected)
        {
            State = state;
            Expected = expected;
        }

        internal State State { get; }

        internal Result Expected { get; }

        public override string ToString() => State.Name;
    }

    private static IEnumerable<TestCaseData> Rows()
    {
        yield return Case(new("held within the limits, a stream within the deadline", 3, 10, true, 1.5, Event.Attach), new(ResumeOutcomeKind.Resume, null, 0));
        yield return Case(new("one frame past the frame limit", 3, 10, true, 1, Event.NextFrame), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferFrames, 5));
        yield return Case(new("a frame past the byte limit", 2, 400, false, 1, Event.NextFrame), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferBytes, 3));
        yield return Case(new("exactly at the byte limit", 1, 500, false, 1, Event.NextFrame), new(ResumeOutcomeKind.Resume, null, 0));
        yield return Case(new("the oldest frame too old when the next comes", 1, 10, false, 2.001, Event.NextFrame), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferAge, 2));
        yield return Case(new("the oldest frame too old at attach", 2, 10, true, 2.001, Event.Attach), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferAge, 3));
        yield return Case(new("the oldest frame exactly at the age limit at attach", 2, 10, false, 2, Event.Attach), new(ResumeOutcomeKind.Resume, null, 0));
        yield return Case(new("no frame held never ages", 0, 10, false, 60, Event.Attach), new(ResumeOutcomeKind.Resume, null, 0));
        yield return Case(new("the node's budget full", 1, 10, false, 1, Event.NextFrame, NodeBudget: 15), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.NodeBudget, 2));
        yield return Case(new("deadline passed: held frames and the unanswered request", 1, 10, true, 10, Event.Attempt), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.ResumeTimeout, 2));
        yield return Case(new("deadline passed with nothing held", 0, 10, false, 10, Event.Attempt), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.ResumeTimeout, 0));
        yield return Case(new("deadline not yet passed", 1, 10, true, 9.9, Event.Attempt), new(ResumeOutcomeKind.Resume, null, 0));
        yield return Case(new("the host drains", 2, 10, true, 0, Event.EndedWhileDraining), new(ResumeOutcomeKind.CloseInstead, null, 0));
        yield return Case(new("the device's close was sent", 2, 10, true, 0, Event.EndedWhileClosing), new(ResumeOutcomeKind.CloseInstead, null, 0));
        yield return Case(new("nothing against a resume", 2, 10, true, 0, Event.Ended), new(ResumeOutcomeKind.Resume, null, 0));
        yield return Case(new("a second reason does not replace the first", 3, 10, true, 1, Event.SecondGiveUp), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferFrames, 5));
        yield return Case(new("a frame after giving up is counted under its reason", 3, 10, false, 1, Event.LateFrame), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferFrames, 5));
        yield return Case(new("a stream that ends after giving up does not resume", 3, 10, false, 1, Event.EndedAfterGivingUp), new(ResumeOutcomeKind.GiveUp, ResumeDropReason.BufferFrames, 4));
    }

    private static TestCaseData Case(State state, Result expected) => new TestCaseData(new Row(state, expected)).SetArgDisplayNames(state.Name);

    [SetUp]
    public void SetUp() => _metrics = new TestMetrics();

    [TearDown]
    public void TearDown() => _metrics.Dispose();

    [TestCaseSource(nameof(Rows))]
    public void A_state_and_an_event_give_one_outcome_and_its_drop_count(Row table)
    {
        var (row, expected) = (table.State, table.Expected);
        var policy = new ResumePolicy(
            new ResumeOptions { MaxHeldFrames = 3, MaxHeldBytes = 1000, MaxBufferAge = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(10) },
            _time,
            _metrics.Metrics,
            NullLogger.Instance);
        var held = new ResumeBuffer(new NodeBufferBudget(row.NodeBudget));
        var ledger = new ConversationLedger(256, 1024 * 1024, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        if (row.Unanswered)
        {
            ledger.NoteDelivered(Text("""{"type":"chat","text":"unanswered"}"""), UplinkFrameTag.Request, ledger.AnswerMark);
        }

        policy.StreamLost(delivered: true);
        for (var i = 0; i < row.Held; i++)
        {
            policy.Hold(held, Frame(row.FrameBytes)).Should().BeNull("frame {0} of the row's held frames fits", i + 1);
        }

        _time.Advance(TimeSpan.FromSeconds(row.Seconds));
        var outcome = Apply(policy, held, ledger, row);

        new Result(outcome.Kind, outcome.Reason, _metrics.Figures.TotalDropped).Should().Be(expected);
        if (outcome.Reason is { } reason)
        {
            _metrics.Figures.Dropped(reason).Should().Be(expected.Dropped, "every drop is counted under the reason given up for");
            policy.GaveUp.Should().Be(outcome);
            held.Count.Should().Be(0, "giving up drops what was held");
        }
    }

    [Test]
    public void The_frames_held_when_the_session_ends_are_counted_as_SessionEnded_without_giving_up()
    {
        var policy = new ResumePolicy(new ResumeOptions(), _time, _metrics.Metrics, NullLogger.Instance);
        var held = new ResumeBuffer();
        policy.Hold(held, Frame(10));
        policy.Hold(held, Frame(10));

        policy.SessionEnded(held);

        _metrics.Figures.Dropped(ResumeDropReason.SessionEnded).Should().Be(2);
        policy.GaveUp.Should().BeNull();
    }

    private ResumeOutcome Apply(ResumePolicy policy, ResumeBuffer held, ConversationLedger ledger, State row)
    {
        switch (row.Event)
        {
            case Event.NextFrame:
                return policy.Hold(held, Frame(row.FrameBytes)) is { } refused ? policy.GiveUp(refused, held, ledger, refused: 1) : ResumeOutcome.Resume;
            case Event.Attach:
                return policy.CheckAge(held) is { } stale ? policy.GiveUp(stale, held, ledger) : ResumeOutcome.Resume;
            case Event.Attempt:
                return policy.Remaining <= TimeSpan.Zero ? policy.GiveUp(ResumeDropReason.ResumeTimeout, held, ledger) : ResumeOutcome.Resume;
            case Event.EndedWhileDraining:
                return policy.OnStreamEnded(draining: true, deviceClosing: false);
            case Event.EndedWhileClosing:
                return policy.OnStreamEnded(draining: false, deviceClosing: true);
            case Event.Ended:
                return policy.OnStreamEnded(draining: false, deviceClosing: false);
            case Event.SecondGiveUp:
                var first = policy.GiveUp(policy.Hold(held, Frame(row.FrameBytes))!.Value, held, ledger, refused: 1);
                policy.GiveUp(ResumeDropReason.ResumeTimeout, held, ledger).Should().Be(first);
                return first;
            case Event.LateFrame:
                var gaveUp = policy.GiveUp(policy.Hold(held, Frame(row.FrameBytes))!.Value, held, ledger, refused: 1);
                policy.DropLate();
                return gaveUp;
            default:
                policy.GiveUp(policy.Hold(held, Frame(row.FrameBytes))!.Value, held, ledger, refused: 1);
                return policy.OnStreamEnded(draining: false, deviceClosing: false);
        }
    }

    private static ChatRequest Text(string json) =>
        ChatRequests.Create(Identity, ChatFrameKind.Text, ByteString.CopyFromUtf8(json), 1);

    private BufferedUplinkFrame Frame(int bytes) =>
        new(ChatRequests.Create(Identity, ChatFrameKind.Binary, ByteString.CopyFrom(new byte[bytes]), 1), UplinkFrameTag.Other, _time.GetTimestamp());
}

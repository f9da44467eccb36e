using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// A turn's transitions on their own: what decides the answer-cut alert (<see cref="TurnState.Answering"/>), a move's
/// good moment (<see cref="TurnState.IsIdle"/>) and whether a request was answered during its write.
/// </summary>
public class TurnStateTests
{
    [Test]
    public void A_new_turn_is_idle_and_unanswered()
    {
        var turn = new TurnState();

        turn.IsIdle.Should().BeTrue();
        turn.Answering.Should().BeFalse();
        turn.Speaking.Should().BeFalse();
        turn.AnswerMark.Should().Be(0);
    }

    [Test]
    public void Listening_is_not_idle_until_the_device_stops()
    {
        var turn = new TurnState();

        turn.NoteListening(true);
        turn.IsIdle.Should().BeFalse();
        turn.Answering.Should().BeFalse("listening alone is no answer");

        turn.NoteListening(false);
        turn.IsIdle.Should().BeTrue();
    }

    [Test]
    public void An_stt_answers_until_the_turn_ends()
    {
        var turn = new TurnState();
        turn.NoteListening(true);
        turn.NoteListening(false);

        turn.AiAnswered();
        turn.Answering.Should().BeTrue();
        turn.Speaking.Should().BeFalse();
        turn.IsIdle.Should().BeTrue("an stt alone does not hold a move back");
        turn.AnswerMark.Should().Be(1);

        turn.Ended();
        turn.Answering.Should().BeFalse();
    }

    [Test]
    public void Speaking_starts_once_answers_and_holds_a_move_back()
    {
        var turn = new TurnState();

        turn.StartSpeaking().Should().BeTrue();
        turn.Speaking.Should().BeTrue();
        turn.Answering.Should().BeTrue();
        turn.IsIdle.Should().BeFalse();
        turn.AnswerMark.Should().Be(1);

        turn.StartSpeaking().Should().BeFalse("the AI already speaks");
        turn.AnswerMark.Should().Be(1, "a repeated tts start is no new answer");
    }

    [Test]
    public void Speaking_is_answering_even_after_the_device_moved_on_or_an_error()
    {
        var turn = new TurnState();
        turn.StartSpeaking();

        turn.DeviceMovedOn();
        turn.AiFailed();

        turn.Answering.Should().BeTrue("the device still hears the answer: cutting it must be told");

        turn.Ended();
        turn.Answering.Should().BeFalse();
        turn.Speaking.Should().BeFalse();
        turn.IsIdle.Should().BeTrue();
    }

    [Test]
    public void A_new_listen_start_or_request_ends_the_previous_answer()
    {
        var turn = new TurnState();
        turn.AiAnswered();

        turn.DeviceMovedOn();

        turn.Answering.Should().BeFalse("what the AI answered is not what the device waits for now");
        turn.AnswerMark.Should().Be(1, "the mark only counts answers");
    }

    [Test]
    public void An_ai_error_ends_the_answer()
    {
        var turn = new TurnState();
        turn.AiAnswered();

        turn.AiFailed();

        turn.Answering.Should().BeFalse("the device got an alert for it");
    }

    [Test]
    public void Every_answer_moves_the_mark()
    {
        var turn = new TurnState();
        var mark = turn.AnswerMark;

        turn.AiAnswered();
        turn.Ended();
        turn.StartSpeaking();

        turn.AnswerMark.Should().Be(mark + 2);
    }
}

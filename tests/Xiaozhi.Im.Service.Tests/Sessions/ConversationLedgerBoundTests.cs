using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// What one ledger keeps in total (<c>Limits:MaxKeptBytesPerSession</c>: hello + listen start + utterance) and what
/// its utterance holds of the node's budget (<c>Limits:NodeBufferedBytes</c>).
/// </summary>
public class ConversationLedgerBoundTests
{
    private static readonly ChatSessionIdentity Identity = new("s-1", "aa:bb", "c-1");

    [Test]
    public void Hello_listen_and_utterance_together_never_pass_the_session_limit()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: 10_000, budget: NodeBufferBudget.Unlimited);
        Deliver(ledger, Text("hello", 1_000));
        Deliver(ledger, Text("listen", 1_000, "start"));
        for (var i = 0; i < 7; i++)
        {
            Deliver(ledger, Audio(1_000));
        }

        ledger.KeptBytes.Should().Be(9_000, "the listen start counts once, as the open turn and the utterance's first frame");
        Deliver(ledger, Audio(1_001));

        ledger.KeptBytes.Should().Be(2_000, "the utterance that passed the limit is not kept; hello and listen start are");
        Shape(ledger.BuildReplay(1, afterLostStream: true, out _)).Should().Equal("hello", "listen");
    }

    [Test]
    public void A_request_past_the_session_limit_is_reported_lost()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: 10_000, budget: NodeBufferBudget.Unlimited);
        Deliver(ledger, Text("hello", 5_000));
        Deliver(ledger, Text("chat", 5_001));

        ledger.TakeRequestLost().Should().BeTrue("hello and chat together pass 10,000 bytes");
        ledger.KeptBytes.Should().Be(5_000);
    }

    [Test]
    public void A_hello_alone_past_the_session_limit_is_not_kept_nor_an_older_one_replayed()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: 10_000, budget: NodeBufferBudget.Unlimited);
        Deliver(ledger, Text("hello", 100));
        Deliver(ledger, Text("hello", 10_001));

        ledger.BuildReplay(1, afterLostStream: true, out var replaysHello).Should().BeEmpty();
        replaysHello.Should().BeFalse();
        ledger.KeptBytes.Should().Be(0);
    }

    [Test]
    public void A_request_the_node_has_no_room_for_is_reported_lost_and_another_sessions_kept_turn_is_untouched()
    {
        var budget = new NodeBufferBudget(10_000);
        var first = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: long.MaxValue, budget: budget);
        var second = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: long.MaxValue, budget: budget);
        Deliver(first, Text("chat", 9_000));
        budget.Reserved.Should().Be(9_000);

        Deliver(second, Text("chat", 2_000));

        second.TakeRequestLost().Should().BeTrue("the node keeps 9,000 of 10,000 bytes for the first session");
        first.TakeRequestLost().Should().BeFalse();
        Shape(first.BuildReplay(1, afterLostStream: true, out _)).Should().Equal("chat");
        budget.Reserved.Should().Be(9_000, "the refused request reserved nothing");
    }

    [Test]
    public void An_answer_a_new_turn_and_the_sessions_end_give_the_budget_back()
    {
        var budget = new NodeBufferBudget(100_000);
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: long.MaxValue, budget: budget);
        Deliver(ledger, Text("chat", 1_000));
        budget.Reserved.Should().Be(1_000);

        ledger.NoteServerText(new JsonMessageType(JsonMessageShape.Typed, "stt"), "{\"type\":\"stt\"}"u8);
        budget.Reserved.Should().Be(0, "an answered request is no longer kept");

        Deliver(ledger, Text("listen", 500, "start"));
        Deliver(ledger, Audio(700));
        budget.Reserved.Should().Be(1_200);
        Deliver(ledger, Text("listen", 500, "start"));
        budget.Reserved.Should().Be(500, "a new turn replaces the old utterance");

        ledger.Close();
        budget.Reserved.Should().Be(0, "a session that ended keeps nothing");
    }

    [Test]
    public void The_unanswered_frames_taken_when_a_resume_fails_give_the_budget_back()
    {
        var budget = new NodeBufferBudget(100_000);
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: long.MaxValue, budget: budget);
        Deliver(ledger, Text("chat", 1_000));

        ledger.TakeUnanswered().Should().Be(1);

        budget.Reserved.Should().Be(0);
    }

    private static void Deliver(ConversationLedger ledger, ChatRequest request)
    {
        var utf8 = request.MessageData.Span;
        var tag = request.GetKind() == ChatFrameKind.Text
            ? ledger.NoteDeviceText(JsonMessageTypeSniffer.Sniff(utf8), utf8)
            : UplinkFrameTag.Other;
        ledger.NoteDelivered(request, tag, ledger.AnswerMark);
    }

    /// <summary>A text frame of type <paramref name="type"/> padded to exactly <paramref name="bytes"/> bytes.</summary>
    private static ChatRequest Text(string type, int bytes, string? state = null)
    {
        var head = state is null ? $"{{\"type\":\"{type}\",\"pad\":\"" : $"{{\"type\":\"{type}\",\"state\":\"{state}\",\"pad\":\"";
        var json = head + new string('x', bytes - head.Length - 2) + "\"}";
        return ChatRequests.Create(Identity, ChatFrameKind.Text, ByteString.CopyFromUtf8(json), 1);
    }

    private static ChatRequest Audio(int bytes) => ChatRequests.Create(Identity, ChatFrameKind.Binary, ByteString.CopyFrom(new byte[bytes]), 1);

    private static IEnumerable<string> Shape(IEnumerable<ChatRequest> requests) =>
        requests.Select(r => r.GetKind() == ChatFrameKind.Binary ? "audio" : JsonMessageTypeSniffer.Sniff(r.MessageData.Span).Type!);
}

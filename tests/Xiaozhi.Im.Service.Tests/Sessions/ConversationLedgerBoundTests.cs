using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// What one ledger keeps in total (<c>Limits:MaxKeptBytesPerSession</c>: hello + listen start + utterance).
/// </summary>
public class ConversationLedgerBoundTests
{
    private static readonly ChatSessionIdentity Identity = new("s-1", "aa:bb", "c-1");

    [Test]
    public void Hello_listen_and_utterance_together_never_pass_the_session_limit()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: 10_000);
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
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: 10_000);
        Deliver(ledger, Text("hello", 5_000));
        Deliver(ledger, Text("chat", 5_001));

        ledger.TakeRequestLost().Should().BeTrue("hello and chat together pass 10,000 bytes");
        ledger.KeptBytes.Should().Be(5_000);
    }

    [Test]
    public void A_hello_alone_past_the_session_limit_is_not_kept_nor_an_older_one_replayed()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, maxKeptBytes: 10_000);
        Deliver(ledger, Text("hello", 100));
        Deliver(ledger, Text("hello", 10_001));

        ledger.BuildReplay(1, afterLostStream: true, out var replaysHello).Should().BeEmpty();
        replaysHello.Should().BeFalse();
        ledger.KeptBytes.Should().Be(0);
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

using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// The replay rules on the ledger alone. A case is a script of what reached the AI service and what it answered:
/// <c>hello</c>, <c>start</c> / <c>start-rt</c> (listen start, manual / realtime), <c>stop</c>, <c>a1</c>… (audio),
/// <c>chat</c> / <c>image</c> / <c>vision</c> (requests), <c>big</c> (an image of 2,000 bytes), <c>chat~</c> (a chat the
/// AI answered while its write was still completing), <c>stt</c> / <c>tts-start</c> (the AI's answers).
/// </summary>
public class ConversationLedgerTests
{
    private static readonly ChatSessionIdentity Identity = new("s-1", "aa:bb", "c-1");
    private const string BigImage = "big";

    private static readonly Dictionary<string, string> Json = new(StringComparer.Ordinal)
    {
        ["hello"] = """{"type":"hello"}""",
        ["start"] = """{"type":"listen","state":"start","mode":"manual"}""",
        ["start-rt"] = """{"type":"listen","state":"start","mode":"realtime"}""",
        ["stop"] = """{"type":"listen","state":"stop"}""",
        ["chat"] = """{"type":"chat","text":"what time is it"}""",
        ["image"] = """{"type":"image","image_data":{"format":"png","data":"AAAA"}}""",
        ["vision"] = """{"type":"vision","cmd":"gen_pic"}""",
        [BigImage] = """{"type":"image","image_data":{"format":"png","data":""" + "\"" + new string('A', 2_000) + "\"}}",
        ["stt"] = """{"type":"stt","text":"hi"}""",
        ["tts-start"] = """{"type":"tts","state":"start"}""",
    };

    private static IEnumerable<TestCaseData> Rules()
    {
        // script, max frames, max bytes, replay after a lost stream, replay on a move, request lost
        yield return Case("a chat is replayed after a lost stream, left to the old stream on a move",
            "hello chat", "hello chat", "hello", false);
        yield return Case("an image is replayed like a chat", "hello image", "hello image", "hello", false);
        yield return Case("a vision request is replayed like a chat", "hello vision", "hello vision", "hello", false);
        yield return Case("an answered chat (stt) is not replayed", "hello chat stt", "hello", "hello", false);
        yield return Case("a chat answered before its write completed is not replayed", "hello chat~", "hello", "hello", false);
        yield return Case("a tts start answers the utterance: its audio is not replayed, the open turn still is", "hello start a1 tts-start", "hello start", "hello start", false);
        yield return Case("an open utterance is replayed whole after a lost stream, only its start on a move",
            "hello start a1 a2", "hello start a1 a2", "hello start", false);
        yield return Case("a stopped, unanswered utterance is replayed with its stop and nothing after it",
            "hello start a1 stop a2", "hello start a1 stop", "hello", false);
        yield return Case("a new turn after an answer replays only the new turn", "hello start a1 stop stt start a2",
            "hello start a2", "hello start", false);
        yield return Case("a chat typed while listening (realtime) goes after its listen start",
            "hello start-rt stt chat", "hello start-rt chat", "hello start-rt", false);
        yield return Case("a chat in the middle of an unanswered utterance keeps its place",
            "hello start a1 chat a2", "hello start a1 chat a2", "hello start", false);
        yield return Case("an utterance past the frame limit falls back to its listen start",
            "start-rt a1 a2 a3 a4", "start-rt", "start-rt", false, maxFrames: 3);
        yield return Case("overflow marks a kept request lost", "hello start-rt chat a1 a2 a3",
            "hello start-rt", "hello start-rt", true, maxFrames: 4);
        yield return Case("audio overflow without a request loses no request", "hello chat start-rt a1 a2",
            "hello start-rt", "hello start-rt", false, maxFrames: 2);
        yield return Case("a request too large to keep is reported lost", "hello big", "hello", "hello", true, maxBytes: 1_024);
        yield return Case("an answer clears a lost request", "hello big stt", "hello", "hello", false, maxBytes: 1_024);
        yield return Case("a new turn clears a lost request", "hello big start", "hello start", "hello start", false, maxBytes: 1_024);
        yield return Case("a request that fits is not lost", "hello chat", "hello chat", "hello", false, maxBytes: 1_024);
        yield return Case("nothing is replayed when the device never said hello", "", "", "", false);
    }

    private static TestCaseData Case(string name, string script, string afterLost, string onMove, bool lost, int maxFrames = 256, long maxBytes = 1 << 20) =>
        new TestCaseData(script, maxFrames, maxBytes, afterLost, onMove, lost).SetName(name);

    [TestCaseSource(nameof(Rules))]
    public void Replay_rules(string script, int maxFrames, long maxBytes, string afterLost, string onMove, bool lost)
    {
        var ledger = new ConversationLedger(maxFrames, maxBytes, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        foreach (var step in Steps(script))
        {
            Play(ledger, step);
        }

        Shape(ledger.BuildReplay(7, afterLostStream: true, out var replaysHello)).Should().Equal(Steps(afterLost), "after a lost stream");
        Shape(ledger.BuildReplay(7, afterLostStream: false, out _)).Should().Equal(Steps(onMove), "on a move off a GOAWAY connection");
        replaysHello.Should().Be(script.StartsWith("hello", StringComparison.Ordinal));
        ledger.TakeRequestLost().Should().Be(lost);
        ledger.TakeRequestLost().Should().BeFalse("the device is told once");
    }

    [Test]
    public void A_replay_is_copies_stamped_with_the_resume_time()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        var hello = Request("hello");
        ledger.NoteDelivered(hello, UplinkFrameTag.Hello, ledger.AnswerMark);

        var replay = ledger.BuildReplay(4242, afterLostStream: true, out _);

        replay.Should().ContainSingle().Which.Should().NotBeSameAs(hello);
        replay[0].Timestamp.Should().Be(4242);
        hello.Timestamp.Should().Be(1, "the delivered request is left as it was");
        replay[0].DeviceId.Should().Be("aa:bb");
    }

    [TestCase("""{"type":"hello"}""", UplinkFrameTag.Hello, false)]
    [TestCase("""{"type":"chat","text":"x"}""", UplinkFrameTag.Request, false)]
    [TestCase("""{"type":"image"}""", UplinkFrameTag.Request, false)]
    [TestCase("""{"type":"vision"}""", UplinkFrameTag.Request, false)]
    [TestCase("""{"type":"listen","state":"start"}""", UplinkFrameTag.ListenStart, true)]
    [TestCase("""{"type":"listen","state":"detect","text":"hi"}""", UplinkFrameTag.Other, false)]
    [TestCase("""{"type":"abort"}""", UplinkFrameTag.Other, false)]
    public void Device_text_frames_are_tagged_for_the_replay(string json, object tagCase, bool listening)
    {
        // NUnit runs public methods only, and the enum is internal: the case arrives as object.
        var tag = (UplinkFrameTag)tagCase;
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);

        ledger.NoteDeviceText(JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json)), Encoding.UTF8.GetBytes(json)).Should().Be(tag);

        ledger.Listening.Should().Be(listening);
        ledger.IsIdle.Should().Be(!listening);
    }

    [Test]
    public void A_listen_stop_ends_listening()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        DeviceText(ledger, Json["start"]);
        DeviceText(ledger, Json["stop"]).Should().Be(UplinkFrameTag.ListenStop);
        ledger.Listening.Should().BeFalse();
    }

    [Test]
    public void Server_text_frames_start_speaking_answer_and_end_the_turn()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        var mark = ledger.AnswerMark;

        ServerText(ledger, """{"type":"llm","emotion":"happy"}""").Should().Be(ServerTextEffect.None);
        ledger.AnswerMark.Should().Be(mark, "an llm frame is no answer");
        ServerText(ledger, Json["stt"]).Should().Be(ServerTextEffect.Answering);
        ledger.AnswerMark.Should().Be(mark + 1);
        ServerText(ledger, Json["tts-start"]).Should().Be(ServerTextEffect.SpeakingStarted);
        ledger.Speaking.Should().BeTrue();
        ledger.IsIdle.Should().BeFalse();
        ledger.AnswerMark.Should().Be(mark + 2);
        ServerText(ledger, Json["tts-start"]).Should().Be(ServerTextEffect.None, "already speaking");
        ledger.AnswerMark.Should().Be(mark + 2);
        ServerText(ledger, """{"type":"tts","state":"sentence_start","text":"hi"}""").Should().Be(ServerTextEffect.None);

        ServerText(ledger, """{"type":"tts","state":"stop"}""").Should().Be(ServerTextEffect.TurnEnding);
        ledger.Speaking.Should().BeTrue("speaking ends when the stop reached the device");
        ledger.StopSpeaking();
        ledger.Speaking.Should().BeFalse();
    }

    [Test]
    public void The_first_server_hello_is_kept()
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        ledger.NoteServerHello(new ServerHelloSummary("a", "{}"));
        ledger.NoteServerHello(new ServerHelloSummary("b", "{}"));
        ledger.ServerHello.Should().Be(new ServerHelloSummary("a", "{}"));
    }

    [TestCase("""{"type":"hello","session_id":"s1","audio_params":{"sample_rate":24000}}""", "None")]
    [TestCase("""{"type":"hello","session_id":"s2","audio_params":{"sample_rate":24000}}""", "SessionIdOnly")]
    [TestCase("""{"type":"hello","session_id":"s1","audio_params":{"sample_rate":16000}}""", "AudioParams")]
    [TestCase("""{"type":"hello","session_id":"s2","audio_params":{"sample_rate":16000}}""", "AudioParams")]
    [TestCase("""not json""", "NotCompared")]
    public void A_resumed_hello_is_compared_with_the_first(string resumed, string expected)
    {
        var ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        ledger.CompareResumedHello(Encoding.UTF8.GetBytes(resumed)).Should().Be(ResumedHelloDifference.NotCompared, "no first hello yet");
        ledger.NoteServerHello(ServerHelloSummary.Parse("""{"type":"hello","session_id":"s1","audio_params":{"sample_rate":24000}}"""u8));

        ledger.CompareResumedHello(Encoding.UTF8.GetBytes(resumed)).Should().Be(Enum.Parse<ResumedHelloDifference>(expected));
    }

    private static UplinkFrameTag DeviceText(ConversationLedger ledger, string json) =>
        ledger.NoteDeviceText(JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json)), Encoding.UTF8.GetBytes(json));

    private static ServerTextEffect ServerText(ConversationLedger ledger, string json) =>
        ledger.NoteServerText(JsonMessageTypeSniffer.Sniff(Encoding.UTF8.GetBytes(json)), Encoding.UTF8.GetBytes(json));

    private static string[] Steps(string script) => script.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static void Play(ConversationLedger ledger, string step)
    {
        switch (step)
        {
            case "stt" or "tts-start":
                ServerText(ledger, Json[step]);
                return;
            case "chat~":
                var mark = ledger.AnswerMark;
                ServerText(ledger, Json["stt"]); // the answer overtakes the write's completion
                ledger.NoteDelivered(Request("chat"), UplinkFrameTag.Request, mark);
                return;
            case ['a', ..]:
                ledger.NoteDelivered(Audio(byte.Parse(step[1..], System.Globalization.CultureInfo.InvariantCulture)), UplinkFrameTag.Other, ledger.AnswerMark);
                return;
            default:
                var json = Json[step];
                ledger.NoteDelivered(Request(step), DeviceText(ledger, json), ledger.AnswerMark);
                return;
        }
    }

    private static ChatRequest Request(string step) =>
        ChatRequests.Create(Identity, ChatFrameKind.Text, ByteString.CopyFromUtf8(Json[step]), 1);

    private static ChatRequest Audio(byte value) =>
        ChatRequests.Create(Identity, ChatFrameKind.Binary, ByteString.CopyFrom(value, value), 1);

    private static IEnumerable<string> Shape(IEnumerable<ChatRequest> requests) =>
        requests.Select(r => r.GetKind() == ChatFrameKind.Binary
            ? "a" + r.MessageData[0]
            : Json.First(j => j.Value == r.MessageData.ToStringUtf8()).Key);
}

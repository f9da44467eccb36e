using Google.Protobuf;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

public sealed class ChatRequestSizeTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(127)]
    [TestCase(128)]
    [TestCase(16_383)]
    [TestCase(16_384)]
    [TestCase(3_000_000)]
    public void Size_from_the_envelope_equals_the_serialized_size_with_the_payload(int payloadLength)
    {
        var who = new ChatSessionIdentity("session-id", "aa:bb:cc:dd:ee:ff", "client-id");
        var envelope = ChatRequests.Create(who, ChatFrameKind.Text, ByteString.Empty, 1_700_000_000_123);
        var full = ChatRequests.Create(who, ChatFrameKind.Text, ByteString.CopyFrom(new byte[payloadLength]), 1_700_000_000_123);

        UplinkPump.ChatRequestSize(envelope.CalculateSize(), payloadLength).Should().Be(full.CalculateSize());
    }
}

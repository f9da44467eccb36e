using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Tests.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>The held frames' limits, applied by the <see cref="ResumePolicy"/> to a <see cref="ResumeBuffer"/>.</summary>
public class ResumeBufferTests
{
    private readonly FakeTimeProvider _time = new();
    private TestMetrics _metrics = null!;

    [SetUp]
    public void SetUp() => _metrics = new TestMetrics();

    [TearDown]
    public void TearDown() => _metrics.Dispose();

    /// <summary>A buffer and the policy that holds frames in it with these limits.</summary>
    private (ResumePolicy Policy, ResumeBuffer Buffer) Held(int maxFrames, long maxBytes, TimeSpan maxAge, NodeBufferBudget? budget = null) =>
        (new ResumePolicy(new ResumeOptions { MaxHeldFrames = maxFrames, MaxHeldBytes = maxBytes, MaxBufferAge = maxAge }, _time, _metrics.Metrics, NullLogger.Instance),
         new ResumeBuffer(budget));

    private BufferedUplinkFrame Frame(int bytes, UplinkFrameTag tag = UplinkFrameTag.Other) =>
        new(ChatRequests.Create(new ChatSessionIdentity("s", "d", "c"), ChatFrameKind.Binary, ByteString.CopyFrom(new byte[bytes]), 1), tag, _time.GetTimestamp());

    [Test]
    public void Frames_are_kept_in_order_and_counted_with_their_payload_bytes()
    {
        var (policy, buffer) = Held(10, 10_000, TimeSpan.FromSeconds(10));
        policy.Hold(buffer, Frame(10)).Should().BeNull();
        policy.Hold(buffer, Frame(20)).Should().BeNull();

        buffer.Count.Should().Be(2);
        buffer.Bytes.Should().Be(30);
        buffer.TryPeek(out var first).Should().BeTrue();
        first.Bytes.Should().Be(10);
        buffer.RemoveOldest();
        buffer.TryPeek(out var second).Should().BeTrue();
        second.Bytes.Should().Be(20);
        buffer.Bytes.Should().Be(20);
    }

    [Test]
    public void One_frame_past_the_frame_limit_is_refused_with_BufferFrames()
    {
        var (policy, buffer) = Held(3, 10_000, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            policy.Hold(buffer, Frame(1)).Should().BeNull();
        }

        policy.Hold(buffer, Frame(1)).Should().Be(ResumeDropReason.BufferFrames);
        buffer.Count.Should().Be(3, "the refused frame is not kept");
    }

    [Test]
    public void A_frame_that_would_pass_the_byte_limit_is_refused_with_BufferBytes()
    {
        var (policy, buffer) = Held(100, 1000, TimeSpan.FromSeconds(10));
        policy.Hold(buffer, Frame(600)).Should().BeNull();
        policy.Hold(buffer, Frame(400)).Should().BeNull("exactly at the limit is fine");

        policy.Hold(buffer, Frame(1)).Should().Be(ResumeDropReason.BufferBytes);
        buffer.Bytes.Should().Be(1000);
    }

    [Test]
    public void The_oldest_frame_past_the_age_limit_is_BufferAge_on_check_and_on_add()
    {
        var (policy, buffer) = Held(100, 10_000, TimeSpan.FromSeconds(10));
        policy.Hold(buffer, Frame(1)).Should().BeNull();
        _time.Advance(TimeSpan.FromSeconds(10));
        policy.CheckAge(buffer).Should().BeNull("exactly at the limit is fine");
        policy.Hold(buffer, Frame(1)).Should().BeNull();

        _time.Advance(TimeSpan.FromMilliseconds(1));

        policy.CheckAge(buffer).Should().Be(ResumeDropReason.BufferAge);
        policy.Hold(buffer, Frame(1)).Should().Be(ResumeDropReason.BufferAge);
    }

    [Test]
    public void An_empty_buffer_never_ages_and_clear_reports_what_was_dropped()
    {
        var (policy, buffer) = Held(100, 10_000, TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromHours(1));
        policy.CheckAge(buffer).Should().BeNull();
        policy.Hold(buffer, Frame(5)).Should().BeNull();
        policy.Hold(buffer, Frame(5)).Should().BeNull();

        buffer.Clear().Should().Be(2);
        buffer.Count.Should().Be(0);
        buffer.Bytes.Should().Be(0);
    }

    [Test]
    public void Kept_frames_hold_the_node_budget_until_sent_or_dropped_and_a_full_budget_is_NodeBudget()
    {
        var budget = new NodeBufferBudget(100);
        var (minePolicy, mine) = Held(100, 10_000, TimeSpan.FromSeconds(10), budget);
        var (otherPolicy, other) = Held(100, 10_000, TimeSpan.FromSeconds(10), budget);
        minePolicy.Hold(mine, Frame(60)).Should().BeNull();
        minePolicy.Hold(mine, Frame(30)).Should().BeNull();

        otherPolicy.Hold(other, Frame(20)).Should().Be(ResumeDropReason.NodeBudget, "90 of 100 bytes are kept by another session");
        other.Bytes.Should().Be(0);
        budget.Reserved.Should().Be(90);

        mine.RemoveOldest();
        budget.Reserved.Should().Be(30, "a frame written to the new stream gives its bytes back");
        otherPolicy.Hold(other, Frame(20)).Should().BeNull();
        mine.Clear();
        other.Clear();
        budget.Reserved.Should().Be(0, "a dropped buffer gives everything back");
    }
}

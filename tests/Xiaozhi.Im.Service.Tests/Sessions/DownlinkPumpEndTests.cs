using System.Net.WebSockets;
using Grpc.Core;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>How the downlink pump ends: the responses before the end reach the device, and the end names what happened.</summary>
public class DownlinkPumpEndTests
{
    [Test]
    public async Task A_stream_the_AI_service_ends_completes_with_OK_after_forwarding_every_response()
    {
        using var device = new PumpToDevice();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        call.Responses.Enqueue(PumpToDevice.Text("{\"type\":\"stt\",\"text\":\"hi\"}"));

        var end = await device.Pump.RunAsync(call.Stream, swallowHello: false, CancellationToken.None);

        end.Should().Be(new DownlinkEnd(DownlinkEndKind.Completed, StatusCode.OK, 1));
        (await ReceiveText(device.Pair.Device)).Should().Be("{\"type\":\"stt\",\"text\":\"hi\"}");
    }

    [Test]
    public async Task A_lost_stream_fails_with_its_status_after_the_responses_before_it()
    {
        using var device = new PumpToDevice();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        call.Responses.Enqueue(PumpToDevice.Text("{\"type\":\"tts\",\"state\":\"start\"}"));
        call.ReadEnd = _ => Task.FromException<bool>(new RpcException(new Status(StatusCode.Unavailable, "connection lost")));

        var end = await device.Pump.RunAsync(call.Stream, swallowHello: false, CancellationToken.None);

        end.Should().Be(new DownlinkEnd(DownlinkEndKind.Failed, StatusCode.Unavailable, 1));
        (await ReceiveText(device.Pair.Device)).Should().Contain("\"tts\"");
    }

    private static readonly TestCaseData[] FailedReads =
    [
        new TestCaseData(new RpcException(new Status(StatusCode.ResourceExhausted, "full")), StatusCode.ResourceExhausted)
            .SetName("A refused stream keeps the status the service sent"),
        new TestCaseData(new IOException("reset"), StatusCode.Unavailable)
            .SetName("A transport error under the stream counts as unavailable"),
        new TestCaseData(new HttpRequestException("The request was aborted.", new HttpProtocolException(7, "REFUSED_STREAM", null)), StatusCode.Unavailable)
            .SetName("A stream the server refused at the HTTP/2 layer counts as unavailable"),
    ];

    [TestCaseSource(nameof(FailedReads))]
    public async Task A_failed_read_ends_the_pump_as_failed_with_a_status(Exception failure, StatusCode expected)
    {
        using var device = new PumpToDevice();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        call.ReadEnd = _ => Task.FromException<bool>(failure);

        var end = await device.Pump.RunAsync(call.Stream, swallowHello: false, CancellationToken.None);

        end.Should().Be(new DownlinkEnd(DownlinkEndKind.Failed, expected, 0));
    }

    [Test]
    public async Task A_read_cancelled_by_the_session_ends_as_cancelled_not_as_a_failure()
    {
        using var device = new PumpToDevice();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        using var stop = new CancellationTokenSource();
        call.ReadEnd = token =>
        {
            stop.Cancel();
            return Task.FromCanceled<bool>(token);
        };

        var end = await device.Pump.RunAsync(call.Stream, swallowHello: false, stop.Token);

        end.Should().Be(new DownlinkEnd(DownlinkEndKind.Cancelled, StatusCode.Cancelled, 0));
    }

    [Test]
    public async Task A_read_failing_in_an_unexpected_way_is_not_taken_for_a_lost_stream()
    {
        using var device = new PumpToDevice();
        var call = FakeChatCall.On(FakeChatCall.Endpoint());
        call.ReadEnd = _ => Task.FromException<bool>(new FormatException("a bug"));

        await FluentActions.Awaiting(() => device.Pump.RunAsync(call.Stream, swallowHello: false, CancellationToken.None))
            .Should().ThrowAsync<FormatException>().WithMessage("a bug");
    }

    private static async Task<string> ReceiveText(WebSocket device)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await device.ReceiveAsync(buffer, timeout.Token);
        result.MessageType.Should().Be(WebSocketMessageType.Text);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}

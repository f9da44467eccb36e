using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Faults;

/// <summary>The stub's turn faults: a capacity (turns at once; more wait) and every Nth turn answered with 999.</summary>
public sealed class TurnFaultTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [TearDown]
    public void Reset()
    {
        _host.Faults.ResponseDelay = TimeSpan.Zero;
        _host.Faults.MaxConcurrentTurns = 0;
        _host.Faults.FailEveryNthTurn = null;
    }

    private static Task ChatAsync(DeviceStream stream, string text) => stream.SendTextAsync(Json.Of(new { type = "chat", text }));

    [Test]
    public async Task Every_Nth_turn_over_all_sessions_is_answered_with_999_and_the_others_play_whole()
    {
        await using var first = _host.Open();
        await using var second = _host.Open();
        await first.HelloAsync();
        await second.HelloAsync();
        _host.Faults.FailEveryNthTurn = 3;

        // Turns 1, 2 on the first session, 3 on the second (fails), 4, 5 on the first, 6 on the second (fails).
        (await Turn(first)).Should().BeNull();
        (await Turn(first)).Should().BeNull();
        (await Turn(second)).Should().Be(new AiErrorPayload("turn_failed", "turn failed (Stub:Faults:FailEveryNthTurn)"));
        (await Turn(first)).Should().BeNull();
        (await Turn(first)).Should().BeNull();
        (await Turn(second))!.ErrorCode.Should().Be("turn_failed");

        // The stream goes on after a failed turn.
        await VoiceTurnTests.PingBarrierAsync(second);
        _host.Faults.FailEveryNthTurn = null;
        (await Turn(second)).Should().BeNull();
    }

    /// <summary>One chat turn: null when it played whole, else its 999.</summary>
    private static async Task<AiErrorPayload?> Turn(DeviceStream stream)
    {
        await ChatAsync(stream, "hi");
        var next = await stream.NextAsync();
        if (next.GetKind() == ChatFrameKind.Error)
        {
            AiErrorPayload.TryParse(next.ResponseData.Span, out var error).Should().BeTrue();
            return error;
        }

        DeviceStream.Describe(next).Should().Contain("stt");
        while (true)
        {
            var response = await stream.NextAsync();
            if (response.GetKind() == ChatFrameKind.Text && response.ResponseData.ToStringUtf8().Contains("\"stop\"", StringComparison.Ordinal))
            {
                return null;
            }
        }
    }

    [Test]
    public async Task With_a_capacity_of_one_a_second_sessions_turn_waits_for_the_first_to_finish()
    {
        await using var first = _host.Open();
        await using var second = _host.Open();
        await first.HelloAsync();
        await second.HelloAsync();
        _host.Faults.MaxConcurrentTurns = 1;
        _host.Faults.ResponseDelay = TimeSpan.FromMilliseconds(40); // a turn of ~10 responses: ~400 ms

        var clock = Stopwatch.StartNew();
        await ChatAsync(first, "one");
        await first.NextJsonAsync("stt");
        await ChatAsync(second, "two");
        await Eventually.TrueAsync(() => _host.Faults.TurnLoad == (1, 1), "one turn plays, one waits", TimeSpan.FromSeconds(5));
        var firstTurn = UntilStopAsync(first, clock);
        await second.NextJsonAsync("stt");
        var secondStt = clock.Elapsed;
        var firstEnd = await firstTurn;

        secondStt.Should().BeGreaterThanOrEqualTo(firstEnd, "the second turn starts once the first has finished");
        await UntilStopAsync(second, clock);
        _host.Faults.TurnLoad.Should().Be((0, 0));

        // No limit: both turns play at once.
        _host.Faults.MaxConcurrentTurns = 0;
        await ChatAsync(first, "one");
        await ChatAsync(second, "two");
        await Eventually.TrueAsync(() => _host.Faults.TurnLoad == (2, 0), "both turns play", TimeSpan.FromSeconds(5));
        await first.ReadTurnAsync();
        await second.ReadTurnAsync();
    }

    /// <summary>Reads a turn's responses up to its <c>tts stop</c>; returns when that arrived on <paramref name="clock"/>.</summary>
    private static async Task<TimeSpan> UntilStopAsync(DeviceStream stream, Stopwatch clock)
    {
        while (true)
        {
            var response = await stream.NextAsync();
            if (response.GetKind() == ChatFrameKind.Text && response.ResponseData.ToStringUtf8().Contains("\"stop\"", StringComparison.Ordinal))
            {
                return clock.Elapsed;
            }
        }
    }

    [Test]
    public async Task A_waiting_turn_cancelled_keeps_no_slot_and_raising_the_capacity_lets_waiting_turns_in()
    {
        var capacity = new TurnCapacity(1);
        using var held = await capacity.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = capacity.EnterAsync(cancel.Token);
        var waiting = capacity.EnterAsync(CancellationToken.None);
        capacity.Waiting.Should().Be(2);

        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        capacity.Waiting.Should().Be(1);
        waiting.IsCompleted.Should().BeFalse();

        capacity.Capacity = 2;
        using var admitted = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        capacity.Running.Should().Be(2);
    }

    [Test]
    public async Task The_fault_api_sets_capacity_and_failing_turns_and_refuses_bad_values()
    {
        using var http = new HttpClient { BaseAddress = _host.OtaAddress };
        using (var capacity = await http.PostAsync("/stub/faults/capacity?turns=3", null))
        using (var fail = await http.PostAsync("/stub/faults/fail-turns?every=4", null))
        {
            capacity.StatusCode.Should().Be(HttpStatusCode.OK);
            fail.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        _host.Faults.MaxConcurrentTurns.Should().Be(3);
        _host.Faults.FailEveryNthTurn.Should().Be(4);
        using var state = JsonDocument.Parse(await http.GetStringAsync("/stub/faults"));
        state.RootElement.GetProperty("maxConcurrentTurns").GetInt32().Should().Be(3);
        state.RootElement.GetProperty("failEveryNthTurn").GetInt32().Should().Be(4);
        state.RootElement.GetProperty("turnsWaiting").GetInt32().Should().Be(0);

        using (var bad = await http.PostAsync("/stub/faults/capacity?turns=-1", null))
        {
            bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        using (var off = await http.PostAsync("/stub/faults/fail-turns?every=0", null))
        {
            off.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        _host.Faults.FailEveryNthTurn.Should().BeNull();
        _host.Faults.MaxConcurrentTurns.Should().Be(3);
    }

    [Test]
    public async Task Start_up_values_come_from_configuration_and_bad_ones_are_refused()
    {
        await using (var host = await StubHost.StartAsync(["--Stub:Faults:MaxConcurrentTurns", "2", "--Stub:Faults:FailEveryNthTurn", "5"]))
        {
            host.Faults.MaxConcurrentTurns.Should().Be(2);
            host.Faults.FailEveryNthTurn.Should().Be(5);
        }

        foreach (var (setting, value) in new[] { ("Stub:Faults:MaxConcurrentTurns", "-1"), ("Stub:Faults:FailEveryNthTurn", "0") })
        {
            var app = StubApplication.Build(["--urls", "http://127.0.0.1:0", "--Ota:Urls", "http://127.0.0.1:0", "--" + setting, value, "--contentRoot", Path.GetTempPath()]);
            try
            {
                var start = () => app.StartAsync();
                (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(setting);
            }
            finally
            {
                await app.DisposeAsync();
            }
        }
    }
}

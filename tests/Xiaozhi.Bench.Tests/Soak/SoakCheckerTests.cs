using Xiaozhi.Bench.Soak;
using static Xiaozhi.Bench.Tests.Soak.FabricatedRun;

namespace Xiaozhi.Bench.Tests.Soak;

/// <summary>
/// The soak checker on fabricated histories: a clean run passes with its figures, and each way of breaking one rule
/// yields that rule's violation and no other (a checker that cannot fail would prove nothing).
/// </summary>
public sealed class SoakCheckerTests
{
    [Test]
    public void A_clean_run_has_no_violation_and_its_figures()
    {
        var report = Check(Clean(), CleanKeys);

        report.Violations.Should().BeEmpty();
        report.Passed.Should().BeTrue();
        report.Faults.Should().HaveCount(4);
        report.Turns.Should().Be(5);
        report.Completed.Should().Be(3);
        report.Told.Should().Equal(new Dictionary<string, int> { ["alert: the AI service was lost"] = 1 });
        report.CutByFault.Should().Equal(new Dictionary<string, int> { ["NodeKilled node-a"] = 1 });
        report.SilentLosses.Should().Be(0);
        report.DuplicateWindows.Select(w => (w.DeviceId, Math.Round(w.Length.TotalSeconds, 2))).Should().Equal(("d1", 0.25), ("d4", 1.85));
        report.Reconnects.Select(r => (r.DeviceId, Math.Round(r.Elapsed.TotalSeconds, 2))).Should().BeEquivalentTo(
            [("d1", 0.2), ("d2", 0.4), ("d4", 0.2), ("d5", 2.6)]);
        report.ReconnectPercentile(50).Should().Be(S(0.2));
        report.ReconnectPercentile(100).Should().Be(S(2.6));
        report.WorstReconnect!.Cause.Should().Contain("NodeKilled node-a").And.Contain("NodeDrained node-b");
        report.Reconnects.Single(r => r.DeviceId == "d2").Cause.Should().StartWith("2 attempt(s); failed: connection refused");
        report.ToString().Should().Contain("silent losses: 0").And.Contain("violations: 0");
    }

    [Test]
    public void A_turn_with_no_answer_no_alert_and_no_close_is_a_silent_loss()
    {
        var history = Clean();
        var d = history.Device("silent");
        var c = Connect(d, 1, "node-a", "s");
        d.Append(new TurnStarted(S(30), c, 1, AnswerTypes, "h1"));
        d.Append(AnswerFrame.Text(S(30.1), c, 1, "stt"));

        OnlyViolation(Check(history, CleanKeys), SoakRule.SilentLoss, "silent").Detail.Should().Contain("no answer, no alert, no close");
    }

    [TestCase("stt,tts,llm,tts", "h1", "text types [stt, tts, llm, tts]", TestName = "A completed turn whose text came out of order is a silent loss")]
    [TestCase("stt,llm,tts", "h1", "text types [stt, llm, tts]", TestName = "A completed turn missing a text frame is a silent loss")]
    [TestCase("stt,llm,tts,tts", "h2", "audio hash h2, expected h1", TestName = "A completed turn whose audio differs is a silent loss")]
    public void A_completed_turn_with_a_wrong_answer_is_a_silent_loss(string types, string audioHash, string detail)
    {
        var history = Clean();
        var d = history.Device("wrong");
        var c = Connect(d, 1, "node-a", "s");
        d.Append(new TurnStarted(S(30), c, 1, AnswerTypes, "h1"));
        foreach (var type in types.Split(','))
        {
            d.Append(AnswerFrame.Text(S(30.1), c, 1, type));
        }

        d.Append(new TurnCompleted(S(30.5), c, 1, audioHash));

        OnlyViolation(Check(history, CleanKeys), SoakRule.SilentLoss, "wrong").Detail.Should().Contain(detail);
    }

    [TestCase(null, "", TestName = "A turn cut without a close frame and no node killed is a silent loss")]
    [TestCase(1000, "", TestName = "A turn cut by a close without a reason is a silent loss")]
    public void A_turn_cut_without_being_told_and_no_fault_to_explain_it_is_a_silent_loss(int? code, string reason)
    {
        var history = Clean();
        var d = history.Device("cut");
        // On node-b, which no fault touched (node-a's kill does not explain it).
        var c = Connect(d, 1, "node-b", "s");
        d.Append(new TurnStarted(S(5.0), c, 1, AnswerTypes, "h1"));
        d.Append(new Closed(S(5.2), c, code, reason));

        OnlyViolation(Check(history, CleanKeys), SoakRule.SilentLoss, "cut").Detail.Should().Contain("without a reason and no fault");
    }

    [Test]
    public void A_turn_ended_by_a_close_with_a_reason_is_told_by_that_reason()
    {
        var history = Clean();
        var d = history.Device("closed");
        var c = Connect(d, 1, "node-b", "s");
        d.Append(new TurnStarted(S(30), c, 1, AnswerTypes, "h1"));
        d.Append(new Closed(S(30.2), c, 1011, "the AI service is unavailable"));

        var report = Check(history, CleanKeys);

        report.Violations.Should().BeEmpty();
        report.Told.Should().Contain("close 1011: the AI service is unavailable", 1);
    }

    [Test]
    public void A_turn_the_device_abandoned_is_its_own_doing()
    {
        var history = Clean();
        var d = history.Device("gone");
        var c = Connect(d, 1, "node-b", "s");
        d.Append(new TurnStarted(S(30), c, 1, AnswerTypes, "h1"));
        d.Append(new Abandoned(S(30.1), c));
        d.Append(new Closed(S(59), c, 1000, "idle"));

        var report = Check(history, CleanKeys);

        report.Violations.Should().BeEmpty();
        report.AbandonedByDevice.Should().Be(1);
    }

    [Test]
    public void An_abandoned_connection_replaced_later_than_a_second_while_Redis_answers_is_a_duplicate()
    {
        var history = Clean();
        var d = history.Device("dup");
        var old = Connect(d, 1, "node-a", "s-old");
        d.Append(new Abandoned(S(30), old));
        Connect(d, 30.1, "node-b", "s-new");
        d.Append(new Closed(S(31.6), old, 1008, SoakChecker.ReplacedReason));

        OnlyViolation(Check(history, CleanKeys), SoakRule.DuplicateSession, "dup").Detail.Should().Contain("stayed live 1450 ms").And.Contain("bound 1000 ms");
    }

    [Test]
    public void An_abandoned_connection_never_closed_is_a_duplicate_to_the_end()
    {
        var history = Clean();
        var d = history.Device("dup");
        var old = Connect(d, 1, "node-a", "s-old");
        d.Append(new Abandoned(S(30), old));
        Connect(d, 30.1, "node-b", "s-new");

        OnlyViolation(Check(history, CleanKeys), SoakRule.DuplicateSession, "dup").Detail.Should().Contain("still open at the end");
    }

    [Test]
    public void After_a_Redis_outage_a_duplicate_past_the_outage_bound_is_a_violation()
    {
        var history = Clean();
        var d = history.Device("dup");
        var old = Connect(d, 1, "node-a", "s-old");
        d.Append(new Abandoned(S(10.5), old));
        Connect(d, 10.6, "node-b", "s-new");
        // The outage ended at 12 s; its bound (2 s) ends at 14 s.
        d.Append(new Closed(S(14.5), old, 1008, SoakChecker.ReplacedReason));

        OnlyViolation(Check(history, CleanKeys), SoakRule.DuplicateSession, "dup").Detail.Should().Contain("bound 3350 ms");
    }

    [Test]
    public void A_reconnect_answered_after_two_seconds_while_a_node_was_up_is_slow()
    {
        var history = Clean();
        var d = history.Device("slow");
        var c = Connect(d, 1, "node-a", "s1");
        d.Append(new Closed(S(30), c, 1000, "bye"));
        // node-b is up throughout; node-a is down only from 20 s to 23 s.
        Connect(d, 30.5, "node-b", "s2", helloAfter: 2.5);

        var violation = OnlyViolation(Check(history, CleanKeys), SoakRule.SlowHello, "slow");
        violation.Detail.Should().Contain("answered after 2500 ms").And.Contain("no fault in effect");
    }

    [Test]
    public void A_reconnect_with_one_of_two_nodes_down_is_still_held_to_two_seconds()
    {
        var history = Clean();
        var d = history.Device("slow");
        var c = Connect(d, 1, "node-a", "s1");
        d.Append(new Closed(S(5.0), c, null, string.Empty));
        Connect(d, 5.1, "node-b", "s2", helloAfter: 2.2);

        OnlyViolation(Check(history, CleanKeys), SoakRule.SlowHello, "slow").Detail.Should().Contain("NodeKilled node-a");
    }

    [Test]
    public void A_reconnect_never_answered_is_slow()
    {
        var history = Clean();
        var d = history.Device("slow");
        var c = Connect(d, 1, "node-a", "s1");
        d.Append(new Closed(S(40), c, 1000, "bye"));
        var retry = d.NextConnection();
        d.Append(new ConnectAttempt(S(41), retry));
        d.Append(new ConnectFailed(S(41.1), retry, "503 draining"));

        OnlyViolation(Check(history, CleanKeys), SoakRule.SlowHello, "slow").Detail.Should().Contain("unanswered").And.Contain("503 draining");
    }

    [TestCase(95.0, 5.0, "old, past its TTL", TestName = "A device key older than its TTL outlived it")]
    [TestCase(10.0, null, "has no expiry", TestName = "A device key without an expiry outlives its TTL")]
    [TestCase(10.0, 85.0, "will live 95.0 s", TestName = "A device key set to expire past its TTL outlives it")]
    public void A_device_key_past_its_TTL_is_a_violation(double age, double? remaining, string detail)
    {
        var keys = CleanKeys.Append(new LeftoverKey("p:device:x", KeyKind.Device, S(age), remaining is { } r ? S(r) : null)).ToArray();

        OnlyViolation(Check(Clean(), keys), SoakRule.KeyOutlivedTtl, "p:device:x").Detail.Should().Contain(detail);
    }

    [Test]
    public void A_node_key_is_held_to_the_node_TTL_not_the_device_one()
    {
        // 20 s is within a device key's 90 s but past a node key's 15 s.
        var keys = CleanKeys.Append(new LeftoverKey("p:node:gone", KeyKind.Node, S(20), S(1))).ToArray();

        OnlyViolation(Check(Clean(), keys), SoakRule.KeyOutlivedTtl, "p:node:gone").Detail.Should().Contain("TTL of 15.0 s");
    }

    [Test]
    public void Devices_append_concurrently_without_losing_an_event()
    {
        var history = new SoakHistory();
        Parallel.For(0, 64, i =>
        {
            var device = history.Device($"d{i % 8}");
            for (var n = 0; n < 100; n++)
            {
                device.Append(new HelloSent(S(n), device.NextConnection()));
            }
        });

        history.Devices.Should().HaveCount(8).And.OnlyContain(d => d.Events().Count == 800);
        history.Devices[0].Events().Select(e => e.Connection).Should().OnlyHaveUniqueItems();
    }

    private static SoakViolation OnlyViolation(SoakReport report, SoakRule rule, string subject)
    {
        report.Violations.Should().ContainSingle($"only the {rule} rule is broken:\n{report}");
        var violation = report.Violations[0];
        violation.Rule.Should().Be(rule);
        violation.Subject.Should().Be(subject);
        report.Passed.Should().BeFalse();
        return violation;
    }
}

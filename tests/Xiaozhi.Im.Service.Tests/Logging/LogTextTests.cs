using Xiaozhi.Im.Service.Logging;

namespace Xiaozhi.Im.Service.Tests.Logging;

/// <summary>A device's text in a log line: control characters visible, never a line break; bounded.</summary>
public sealed class LogTextTests
{
    [TestCase("\r\n[fake] line", @"\r\n[fake] line")]
    [TestCase("tab\there", @"tab\there")]
    [TestCase("esc\u001b[31mred", @"esc\u001b[31mred")]
    [TestCase("nul\0del\u007f", @"nul\u0000del\u007f")]
    [TestCase("c1 next line\u0085here\u009b", @"c1 next line\u0085here\u009b")]
    [TestCase("unicode\u2028line\u2029para", @"unicode\u2028line\u2029para")]
    [TestCase(@"a\backslash stays", @"a\backslash stays")]
    [TestCase("plain é 中 🙂", "plain é 中 🙂")]
    public void Control_characters_are_escaped_and_everything_else_is_kept(string value, string expected) =>
        LogText.Escape(value).Should().Be(expected);

    [Test]
    public void Escaping_twice_changes_nothing_the_second_time()
    {
        var once = LogText.Escape("x\r\ny\u0085");

        LogText.Escape(once).Should().Be(once);
    }

    [Test]
    public void A_long_value_is_cut_with_the_count_of_what_was_left_out()
    {
        LogText.Escape(new string('A', 1000)).Should().Be(new string('A', 256) + "…(+744)");
        LogText.Escape("abcdef", maxLength: 3).Should().Be("abc…(+3)");
        LogText.Escape("abc", maxLength: 3).Should().Be("abc");
    }

    [Test]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        LogText.Escape("ab🙂cd", maxLength: 3).Should().Be("ab…(+4)");
    }

    [Test]
    public void Null_is_written_as_a_marker() => LogText.Escape(null).Should().Be("(null)");
}

using Xiaozhi.Im.Service.Admission;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>Settings for sessions built alone, whose tests are not about the admission policies.</summary>
internal static class SessionSettingsForTests
{
    /// <summary>
    /// Hello and idle clocks a day long and a message rate no test reaches: a test that moves the fake clock by minutes
    /// or sends frames without advancing it sees its session closed by nothing but what it tests.
    /// </summary>
    public static AdmissionOptions QuietAdmission { get; } = new()
    {
        HelloTimeout = TimeSpan.FromDays(1),
        IdleTimeout = TimeSpan.FromDays(1),
        MessagesPerSecond = 1_000_000,
        MessageBurst = 1_000_000,
    };
}

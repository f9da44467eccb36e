namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Why a session wants to move while its stream still works (several may add up before the move starts).</summary>
[Flags]
internal enum MoveCauses
{
    None = 0,
    GoAway = 1,
    GoAwayBusyLimit = 2,
    Departure = 4,
}

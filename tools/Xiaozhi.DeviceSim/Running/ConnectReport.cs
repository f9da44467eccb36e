namespace Xiaozhi.DeviceSim.Running;

/// <summary>The outcome of connecting a fleet.</summary>
/// <param name="Requested">Devices asked for.</param>
/// <param name="Connected">Devices whose hello was answered.</param>
/// <param name="Elapsed">Wall time from the first connect to the last completion.</param>
public readonly record struct ConnectReport(int Requested, int Connected, TimeSpan Elapsed);

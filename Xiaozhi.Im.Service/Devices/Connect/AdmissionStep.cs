using Xiaozhi.Im.Service.Admission;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>The connection-time policies (capacity, per-IP rate, Origin); an admitted attempt holds its slot to its end.</summary>
internal sealed class AdmissionStep(ConnectionAdmission admission)
{
    public ConnectRefusal? Admit(ConnectAttempt attempt)
    {
        var remote = attempt.Context.Connection.RemoteIpAddress;
        var decision = admission.Admit(remote, attempt.Context.Request.Headers.Origin.ToString());
        if (!decision.Admitted)
        {
            return ConnectRefusal.NotAdmitted(decision);
        }

        attempt.HoldSlot(() => admission.Release(remote));
        return null;
    }
}

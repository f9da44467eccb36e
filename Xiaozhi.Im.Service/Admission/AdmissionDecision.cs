namespace Xiaozhi.Im.Service.Admission;

/// <summary>Whether an upgrade may proceed; when not, the HTTP status, a plain-text reason and a metrics category.</summary>
internal readonly record struct AdmissionDecision(bool Admitted, int StatusCode, string Reason, string Category)
{
    /// <summary>Go ahead.</summary>
    public static AdmissionDecision Admit { get; } = new(true, 0, string.Empty, string.Empty);

    /// <summary>Refuse with <paramref name="statusCode"/>.</summary>
    public static AdmissionDecision Refuse(int statusCode, string reason, string category) => new(false, statusCode, reason, category);
}

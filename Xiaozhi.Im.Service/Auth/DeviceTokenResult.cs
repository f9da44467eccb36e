namespace Xiaozhi.Im.Service.Auth;

/// <summary>The outcome of validating a device token.</summary>
/// <param name="Succeeded">True when the device may connect.</param>
/// <param name="UserId">The <c>user_id</c> claim as decimal text, null when unknown (auth disabled).</param>
/// <param name="FailureReason">A short plain-text reason for the 401 body, null on success. Never contains the token.</param>
internal sealed record DeviceTokenResult(bool Succeeded, string? UserId, string? FailureReason)
{
    public static DeviceTokenResult Success(string? userId) => new(true, userId, null);

    public static DeviceTokenResult Failure(string reason) => new(false, null, reason);
}

namespace Xiaozhi.AiService.Stub.Media;

/// <summary>What <see cref="ImageInspector"/> found: a valid image, or a 999 error code and reason.</summary>
internal sealed record ImageInspection(string? Format, int Size, int? Width, int? Height, string? ErrorCode, string? ErrorMessage)
{
    public bool IsValid => ErrorCode is null;

    public static ImageInspection Valid(string format, int size, int? width, int? height) => new(format, size, width, height, null, null);

    public static ImageInspection Invalid(string code, string message) => new(null, 0, null, null, code, message);

    /// <summary>The sentence the stub speaks about a valid image.</summary>
    public string Describe() =>
        Width is { } w && Height is { } h
            ? $"I received a {Format} image of {Size} bytes, {w}x{h} pixels."
            : $"I received a {Format} image of {Size} bytes.";
}

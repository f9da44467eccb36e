namespace Xiaozhi.Im.Service.Protocol;

/// <summary>The <c>type</c> of a device or server text frame, for logs and routing decisions only.</summary>
/// <param name="Shape">What the frame looks like.</param>
/// <param name="Type">The <c>type</c> value when <see cref="Shape"/> is <see cref="JsonMessageShape.Typed"/>, else null.</param>
internal readonly record struct JsonMessageType(JsonMessageShape Shape, string? Type)
{
    /// <summary>True for a JSON object whose <c>type</c> equals <paramref name="type"/>.</summary>
    public bool Is(string type) => Shape == JsonMessageShape.Typed && string.Equals(Type, type, StringComparison.Ordinal);

    /// <summary>A short label for logs: the type (cut to 32 characters) or the shape.</summary>
    public string ForLog() => Shape switch
    {
        JsonMessageShape.Typed => Type!.Length <= 32 ? Type : Type[..32] + "…",
        JsonMessageShape.NoType => "(json without type)",
        JsonMessageShape.TypeNotString => "(json with non-string type)",
        _ => "(not json)",
    };
}

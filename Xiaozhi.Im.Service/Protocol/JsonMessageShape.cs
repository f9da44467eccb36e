namespace Xiaozhi.Im.Service.Protocol;

/// <summary>What <see cref="JsonMessageTypeSniffer"/> found in a text frame.</summary>
internal enum JsonMessageShape
{
    /// <summary>Not a JSON object (devices send plain text as an application ping; it is forwarded anyway).</summary>
    NotJson,

    /// <summary>A JSON object without a <c>type</c> property.</summary>
    NoType,

    /// <summary>A JSON object whose <c>type</c> is not a string.</summary>
    TypeNotString,

    /// <summary>A JSON object with a string <c>type</c>.</summary>
    Typed,
}

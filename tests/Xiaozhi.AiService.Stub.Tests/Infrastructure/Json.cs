using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Tests.Infrastructure;

/// <summary>Small JSON helpers for building device messages.</summary>
public static class Json
{
    public static string Of(object value) => JsonSerializer.Serialize(value);

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}

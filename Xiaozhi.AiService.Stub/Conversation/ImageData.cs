using System.Text.Json;
using Xiaozhi.AiService.Stub.Media;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>The <c>image_data</c> of an <c>image</c> message (protocol.md §5): base64 <c>data</c> and its <c>format</c>; URLs are not fetched.</summary>
internal static class ImageData
{
    /// <summary>The base64 data and its format, or an <see cref="ImageInspection.Invalid"/> naming what is missing.</summary>
    public static (string? Base64, string? Format, ImageInspection? Missing) Read(JsonElement image)
    {
        if (!image.TryGetProperty("image_data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return (null, null, ImageInspection.Invalid(StubErrorCodes.ImageMissingData, "image message has no \"image_data\" object"));
        }

        var base64 = JsonFields.String(data, "data");
        if (base64 is null)
        {
            return JsonFields.String(data, "url") is not null
                ? (null, null, ImageInspection.Invalid(StubErrorCodes.ImageUrlNotSupported, "image URLs are not fetched by the stub"))
                : (null, null, ImageInspection.Invalid(StubErrorCodes.ImageMissingData, "image_data has neither \"data\" (base64) nor \"url\""));
        }

        var format = JsonFields.String(data, "format");
        return string.IsNullOrEmpty(format)
            ? (null, null, ImageInspection.Invalid(StubErrorCodes.ImageMissingFormat, "image_data has no \"format\" (jpeg, png, webp or gif)"))
            : (base64, format, null);
    }
}

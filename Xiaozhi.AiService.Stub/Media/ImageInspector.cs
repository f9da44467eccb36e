using System.Buffers.Binary;

namespace Xiaozhi.AiService.Stub.Media;

/// <summary>
/// Validates an <c>image</c> message's <c>image_data</c>: plain base64 (no <c>data:</c> prefix), at most the configured
/// size decoded, magic bytes matching the declared format; reads PNG (IHDR) and JPEG (SOFn) dimensions.
/// </summary>
internal static class ImageInspector
{
    public const string InvalidBase64 = "image_invalid_base64";
    public const string TooLarge = "image_too_large";
    public const string FormatMismatch = "image_format_mismatch";
    public const string UnsupportedFormat = "image_unsupported_format";
    public const string Corrupt = "image_corrupt";

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static ImageInspection Inspect(string base64, string format, int maxBytes)
    {
        var normalized = format.Trim().ToLowerInvariant();
        if (normalized == "jpg")
        {
            normalized = "jpeg";
        }

        if (normalized is not ("jpeg" or "png" or "webp" or "gif"))
        {
            return ImageInspection.Invalid(UnsupportedFormat, $"image format '{Truncate(format)}' is not supported; expected jpeg, png, webp or gif");
        }

        if (base64.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return ImageInspection.Invalid(InvalidBase64, "image_data.data must be plain base64 without a data: URL prefix");
        }

        // Reject clearly oversized input before decoding it.
        if ((long)base64.Length / 4 * 3 > (long)maxBytes + 3 + (base64.Length / 76 * 3))
        {
            return ImageInspection.Invalid(TooLarge, $"image is about {(long)base64.Length / 4 * 3} bytes decoded; the limit is {maxBytes} bytes");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return ImageInspection.Invalid(InvalidBase64, "image_data.data is not valid base64");
        }

        if (bytes.Length > maxBytes)
        {
            return ImageInspection.Invalid(TooLarge, $"image is {bytes.Length} bytes decoded; the limit is {maxBytes} bytes");
        }

        if (bytes.Length == 0)
        {
            return ImageInspection.Invalid(Corrupt, "image_data.data is empty");
        }

        return normalized switch
        {
            "png" => InspectPng(bytes),
            "jpeg" => InspectJpeg(bytes),
            "gif" => InspectGif(bytes),
            _ => InspectWebp(bytes),
        };
    }

    private static ImageInspection InspectPng(byte[] bytes)
    {
        if (!bytes.AsSpan().StartsWith(PngSignature))
        {
            return Mismatch("png", "89 50 4E 47 0D 0A 1A 0A", bytes);
        }

        // Signature, then the IHDR chunk: u32 length, "IHDR", u32 width, u32 height.
        if (bytes.Length < 24 || !bytes.AsSpan(12, 4).SequenceEqual("IHDR"u8))
        {
            return ImageInspection.Invalid(Corrupt, "png has no IHDR chunk after the signature");
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16));
        var height = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20));
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
        {
            return ImageInspection.Invalid(Corrupt, "png IHDR has an invalid width or height");
        }

        return ImageInspection.Valid("png", bytes.Length, (int)width, (int)height);
    }

    private static ImageInspection InspectJpeg(byte[] bytes)
    {
        if (bytes.Length < 3 || bytes[0] != 0xFF || bytes[1] != 0xD8 || bytes[2] != 0xFF)
        {
            return Mismatch("jpeg", "FF D8 FF", bytes);
        }

        var i = 2;
        while (i + 3 < bytes.Length)
        {
            if (bytes[i] != 0xFF)
            {
                return ImageInspection.Invalid(Corrupt, $"jpeg marker expected at offset {i}");
            }

            var marker = bytes[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                break; // end of image / start of scan before any frame header
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i + 2));
            if (length < 2 || i + 2 + length > bytes.Length)
            {
                return ImageInspection.Invalid(Corrupt, $"jpeg segment at offset {i} has an invalid length");
            }

            var isStartOfFrame = marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
            if (isStartOfFrame)
            {
                if (length < 7)
                {
                    return ImageInspection.Invalid(Corrupt, "jpeg SOF segment is too short");
                }

                // length(2) precision(1) height(2) width(2)
                var height = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i + 5));
                var width = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i + 7));
                return ImageInspection.Valid("jpeg", bytes.Length, width, height);
            }

            i += 2 + length;
        }

        return ImageInspection.Invalid(Corrupt, "jpeg has no SOFn (frame header) marker before the scan data");
    }

    private static ImageInspection InspectGif(byte[] bytes)
    {
        if (bytes.Length < 6 || !(bytes.AsSpan(0, 6).SequenceEqual("GIF87a"u8) || bytes.AsSpan(0, 6).SequenceEqual("GIF89a"u8)))
        {
            return Mismatch("gif", "GIF87a or GIF89a", bytes);
        }

        if (bytes.Length < 10)
        {
            return ImageInspection.Valid("gif", bytes.Length, null, null);
        }

        return ImageInspection.Valid("gif", bytes.Length, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
    }

    private static ImageInspection InspectWebp(byte[] bytes)
    {
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !bytes.AsSpan(8, 4).SequenceEqual("WEBP"u8))
        {
            return Mismatch("webp", "RIFF....WEBP", bytes);
        }

        return ImageInspection.Valid("webp", bytes.Length, null, null);
    }

    private static ImageInspection Mismatch(string format, string expected, byte[] bytes) =>
        ImageInspection.Invalid(
            FormatMismatch,
            $"image bytes do not start with the {format} signature ({expected}); first bytes are {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}");

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}

using System.Buffers.Binary;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>Images with real headers (PNG signature + IHDR), padded to a chosen size.</summary>
public static class TestImages
{
    /// <summary>A PNG whose IHDR says <paramref name="width"/>×<paramref name="height"/>, <paramref name="totalBytes"/> long.</summary>
    public static byte[] Png(int width, int height, int totalBytes)
    {
        var image = new byte[Math.Max(totalBytes, 33)];
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(image, 0);
        BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(8), 13);   // IHDR length
        "IHDR"u8.CopyTo(image.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(16), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(20), (uint)height);
        image[24] = 8; // bit depth
        image[25] = 2; // colour type RGB
        new Random(width * 31 + height).NextBytes(image.AsSpan(33));
        return image;
    }
}

using System.Buffers.Binary;

namespace Xiaozhi.Testing.Media;

/// <summary>Images built by hand: real headers, just enough structure for signature and dimension checks.</summary>
public static class TestImages
{
    /// <summary>A minimal PNG: signature, an RGBA IHDR with the size, IEND.</summary>
    public static byte[] Png(int width, int height)
    {
        var bytes = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[8 + 13 + 4];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, 13);
        "IHDR"u8.CopyTo(ihdr.AsSpan(4));
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(8), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(12), (uint)height);
        ihdr[16] = 8; // bit depth
        ihdr[17] = 6; // RGBA
        bytes.AddRange(ihdr);
        bytes.AddRange([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82]);
        return [.. bytes];
    }

    /// <summary>A PNG whose IHDR says <paramref name="width"/>×<paramref name="height"/>, padded with noise to <paramref name="totalBytes"/>.</summary>
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

    /// <summary>SOI, an APP0 (JFIF) segment, a DQT-like filler segment, then SOF0 with the size, then SOS.</summary>
    public static byte[] Jpeg(int width, int height, bool withFrameHeader = true)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        bytes.AddRange([0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
        bytes.AddRange([0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00]);
        if (withFrameHeader)
        {
            bytes.AddRange([0xFF, 0xC0, 0x00, 0x0B, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x01, 0x01, 0x11, 0x00]);
        }

        bytes.AddRange([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9]);
        return [.. bytes];
    }

    public static byte[] Gif(int width, int height) =>
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 0, 0, 0x3B];

    public static byte[] Webp() =>
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', 4, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P', (byte)'V', (byte)'P', (byte)'8', (byte)' '];
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Xiaozhi.Im.Service.Tests.Auth;

/// <summary>Hand-built JWTs, signed with System.Security.Cryptography over the raw key (as the Go service does).</summary>
public static class TestJwt
{
    public static string Hs256(string secret, object payload, string alg = "HS256") =>
        Sign(new { alg, typ = "JWT" }, payload, data => alg switch
        {
            "HS384" => HMACSHA384.HashData(Encoding.UTF8.GetBytes(secret), data),
            "HS512" => HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), data),
            _ => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data),
        });

    public static string Unsigned(object payload) =>
        Encode(new { alg = "none", typ = "JWT" }) + "." + Encode(payload) + ".";

    public static string Rs256(object payload)
    {
        using var rsa = RSA.Create(2048);
        return Sign(new { alg = "RS256", typ = "JWT" }, payload, data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    public static string Sign(object header, object payload, Func<byte[], byte[]> signer)
    {
        var signingInput = Encode(header) + "." + Encode(payload);
        return signingInput + "." + Base64UrlEncoder.Encode(signer(Encoding.ASCII.GetBytes(signingInput)));
    }

    private static string Encode(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}

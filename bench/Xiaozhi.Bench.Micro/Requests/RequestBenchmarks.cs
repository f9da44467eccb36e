using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Bench.Micro.Requests;

/// <summary>Building (and serialising) the <c>ChatRequest</c> of one uplink audio frame.</summary>
[Config(typeof(MicroConfig))]
[MemoryDiagnoser]
public class RequestBenchmarks
{
    private readonly ChatSessionIdentity _identity = new("5b0c6f3e-5a4f-4d1e-9b8a-2f2d7c1e9a10", "aa:bb:cc:dd:ee:ff", "3f8e2c1a-0000-4000-8000-000000000001");
    private readonly byte[] _audio = new byte[160];
    private readonly byte[] _output = new byte[512];

    /// <summary>Builds the request (copies the audio into a ByteString).</summary>
    [Benchmark]
    public ChatRequest BuildBinary() => ChatRequests.Binary(_identity, _audio, 1_700_000_000_000);

    /// <summary>Builds and serialises it, as the gRPC write does.</summary>
    [Benchmark]
    public int BuildAndSerialize()
    {
        var request = ChatRequests.Binary(_identity, _audio, 1_700_000_000_000);
        var size = request.CalculateSize();
        request.WriteTo(_output.AsSpan(0, size));
        return size;
    }
}

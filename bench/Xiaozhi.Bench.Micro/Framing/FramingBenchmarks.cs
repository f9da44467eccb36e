using BenchmarkDotNet.Attributes;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Bench.Micro.Framing;

/// <summary>Protocol v2/v3 unwrap (uplink) and wrap (downlink) of a 160-byte Opus frame.</summary>
[Config(typeof(MicroConfig))]
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private readonly byte[] _payload = new byte[160];
    private readonly byte[] _destination = new byte[256];
    private byte[] _v2 = [];
    private byte[] _v3 = [];

    /// <summary>Builds the frames.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        _v2 = BinaryFrameCodec.Wrap(BinaryProtocolVersion.V2, _payload, 1234);
        _v3 = BinaryFrameCodec.Wrap(BinaryProtocolVersion.V3, _payload);
    }

    /// <summary>Uplink v2.</summary>
    [Benchmark]
    public int UnwrapV2() => BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, _v2).PayloadLength;

    /// <summary>Uplink v3.</summary>
    [Benchmark]
    public int UnwrapV3() => BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V3, _v3).PayloadLength;

    /// <summary>Downlink v2 into a reused buffer.</summary>
    [Benchmark]
    public int WrapV2IntoSpan() => BinaryFrameCodec.Wrap(BinaryProtocolVersion.V2, _payload, 1234, _destination);

    /// <summary>Downlink v3 into a reused buffer.</summary>
    [Benchmark]
    public int WrapV3IntoSpan() => BinaryFrameCodec.Wrap(BinaryProtocolVersion.V3, _payload, 0, _destination);
}

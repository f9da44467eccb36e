using System.Text;
using BenchmarkDotNet.Attributes;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Bench.Micro.Json;

/// <summary>Top-level <c>type</c> sniffing of typical device text frames.</summary>
[Config(typeof(MicroConfig))]
[MemoryDiagnoser]
public class SnifferBenchmarks
{
    private readonly byte[] _hello = Encoding.UTF8.GetBytes(
        "{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\",\"features\":{\"mcp\":true},\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}");

    private readonly byte[] _listen = Encoding.UTF8.GetBytes("{\"session_id\":\"\",\"type\":\"listen\",\"state\":\"start\",\"mode\":\"auto\"}");

    private readonly byte[] _typeLast = Encoding.UTF8.GetBytes(
        "{\"session_id\":\"abc\",\"payload\":{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[{\"name\":\"self.get_device_status\",\"description\":\"x\"}]}},\"type\":\"mcp\"}");

    /// <summary>Type first.</summary>
    [Benchmark]
    public string? Hello() => JsonMessageTypeSniffer.Sniff(_hello).Type;

    /// <summary>Type after one property.</summary>
    [Benchmark]
    public string? Listen() => JsonMessageTypeSniffer.Sniff(_listen).Type;

    /// <summary>Type after a nested payload (skipped).</summary>
    [Benchmark]
    public string? McpTypeLast() => JsonMessageTypeSniffer.Sniff(_typeLast).Type;
}

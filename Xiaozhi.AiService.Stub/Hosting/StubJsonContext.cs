using System.Text.Json.Serialization;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Ota;

namespace Xiaozhi.AiService.Stub.Hosting;

/// <summary>
/// Source-generated JSON for the stub's HTTP answers, so the stub also runs as a native (ahead-of-time compiled)
/// executable, the way the benchmark starts it to stand in for the Go service's start-up time.
/// </summary>
[JsonSerializable(typeof(FaultState))]
[JsonSerializable(typeof(OtaReply))]
internal sealed partial class StubJsonContext : JsonSerializerContext;

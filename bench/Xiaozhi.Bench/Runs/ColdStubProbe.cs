using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Xiaozhi.Bench.Hosting;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Bench.Runs;

/// <summary>
/// How long a freshly started stub takes to answer its first conversation, with no IM involved: restart the stub, then
/// one ChatStream with a <c>hello</c> from this process (its client warmed on the running stub first), timed from the port listening to the stub's hello reply. This
/// is the backend's own cold start, which the restart figure contains; run before the sessions connect, so it warms
/// nothing they later measure (the stub is restarted again for that).
/// </summary>
public static class ColdStubProbe
{
    /// <summary>Restarts the stub and times its first hello reply after it listens.</summary>
    public static async Task<TimeSpan> MeasureAsync(BenchTopology topology, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);

        // One conversation with the running stub first: this process's own gRPC client code is then compiled, so the
        // figure is the stub's cold start, not the harness's.
        await HelloAsync(topology.StubPort, cancellationToken).ConfigureAwait(false);
        await topology.KillStubAsync().ConfigureAwait(false);
        await topology.StartStubAgainAsync().ConfigureAwait(false);
        var listening = Stopwatch.GetTimestamp();
        await HelloAsync(topology.StubPort, cancellationToken).ConfigureAwait(false);
        var answered = Stopwatch.GetElapsedTime(listening);
        BenchTimeline.Mark($"cold stub probe: first hello answered {answered.TotalMilliseconds:0} ms after listening");
        return answered;
    }

    private static async Task HelloAsync(int port, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new AIService.AIServiceClient(channel);
        var identity = new ChatSessionIdentity("cold-probe", "02:00:00:00:00:01", "bench-cold-probe");
        var headers = new Metadata
        {
            { SessionMetadataHeaders.DeviceId, identity.DeviceId },
            { SessionMetadataHeaders.ClientId, identity.ClientId },
            { SessionMetadataHeaders.SessionId, identity.SessionId },
            { SessionMetadataHeaders.ProtocolVersion, "1" },
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var call = client.ChatStream(headers, cancellationToken: timeout.Token);
        var hello = Encoding.UTF8.GetBytes("{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\",\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}");
        await call.RequestStream.WriteAsync(ChatRequests.Create(identity, ChatFrameKind.Text, ByteString.CopyFrom(hello), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), timeout.Token).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The stub ended the probe stream without a reply.");
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
    }
}

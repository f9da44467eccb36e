using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>
/// A tiny in-test AIService on Kestrel 127.0.0.1:0 (h2c). Echoes every request back as the same kind, and obeys a few
/// text commands: <c>!end</c> completes the stream, <c>!fail</c> fails it, <c>!error</c> sends a 999,
/// <c>!hello-udp</c> sends a hello with the wrong transport.
/// </summary>
public sealed class FakeAiService : AIService.AIServiceBase
{
    public ConcurrentQueue<Metadata> OpenedStreams { get; } = new();

    public ConcurrentQueue<ChatRequest> Requests { get; } = new();

    /// <summary>New ChatStreams fail with Unavailable at once (a backend that refuses work).</summary>
    public volatile bool RefuseNewStreams;

    /// <summary>What <c>HealthCheck</c> answers; null = the call fails with Unavailable.</summary>
    public HealthCheckResponse.Types.ServingStatus? HealthStatus { get; set; } = HealthCheckResponse.Types.ServingStatus.Serving;

    /// <summary>How long <c>HealthCheck</c> takes to answer (to exercise the deadline).</summary>
    public TimeSpan HealthDelay { get; set; }

    /// <summary>How many <c>HealthCheck</c> calls were answered or refused.</summary>
    public int HealthChecks => Volatile.Read(ref _healthChecks);

    private int _healthChecks;

    /// <summary>
    /// Starts it; <paramref name="maxStreamsPerConnection"/> is what its SETTINGS allow (Kestrel's default 100); on
    /// <paramref name="port"/> when the address was handed out before the service existed.
    /// </summary>
    public static async Task<(WebApplication App, Uri Address, FakeAiService Service)> StartAsync(int maxStreamsPerConnection = 100, int port = 0)
    {
        var service = new FakeAiService();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.Http2.MaxStreamsPerConnection = maxStreamsPerConnection;
            k.Listen(System.Net.IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<FakeAiService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address), service);
    }

    public override async Task<HealthCheckResponse> HealthCheck(HealthCheckRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _healthChecks);
        if (HealthDelay > TimeSpan.Zero)
        {
            await Task.Delay(HealthDelay, context.CancellationToken);
        }

        return HealthStatus is { } status
            ? new HealthCheckResponse { Status = status }
            : throw new RpcException(new Status(StatusCode.Unavailable, "health refused"));
    }

    public override async Task ChatStream(IAsyncStreamReader<ChatRequest> requestStream, IServerStreamWriter<ChatResponse> responseStream, ServerCallContext context)
    {
        if (RefuseNewStreams)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "refused"));
        }

        OpenedStreams.Enqueue(context.RequestHeaders);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            Requests.Enqueue(request);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var text = request.GetKind() == ChatFrameKind.Text ? request.MessageData.ToStringUtf8() : null;
            switch (text)
            {
                case "!end":
                    return;
                case "!fail":
                    throw new RpcException(new Status(StatusCode.Internal, "boom"));
                case "!error":
                    await responseStream.WriteAsync(ChatResponses.Error("invalid_image", "The image could not be read", now));
                    break;
                case "!unknown":
                    await responseStream.WriteAsync(ChatResponses.Create((ChatFrameKind)7, ByteString.CopyFromUtf8("x"), now));
                    await responseStream.WriteAsync(ChatResponses.Text("after-unknown", now));
                    break;
                case "!hello-udp":
                    await responseStream.WriteAsync(ChatResponses.Text(Encoding.UTF8.GetBytes("{\"type\":\"hello\",\"transport\":\"udp\",\"session_id\":\"x\"}"), now));
                    break;
                default:
                    await responseStream.WriteAsync(ChatResponses.Create(request.GetKind(), request.MessageData, now));
                    break;
            }
        }
    }
}

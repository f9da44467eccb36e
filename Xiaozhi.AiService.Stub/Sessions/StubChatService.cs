using Grpc.Core;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.AiService.Stub.Conversation;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Mcp;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Sessions;

/// <summary>
/// <c>ai_service.AIService</c>: one <c>ChatStream</c> = one device session. Sends response headers at once, records
/// every request, hands it to the session's <see cref="SessionConversation"/>, and applies stream faults.
/// </summary>
internal sealed partial class StubChatService(
    StubSessionRegistry registry,
    StubFaults faults,
    IOptions<StubOptions> options,
    TimeProvider time,
    McpRequestIds mcpIds,
    ILogger<StubChatService> logger) : AIService.AIServiceBase
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public override async Task ChatStream(IAsyncStreamReader<ChatRequest> requestStream, IServerStreamWriter<ChatResponse> responseStream, ServerCallContext context)
    {
        if (faults.RefuseNewStreams)
        {
            LogRefused(logger);
            throw new RpcException(new Status(StatusCode.Unavailable, "The stub refuses new streams (fault injection)."));
        }

        var dropToken = faults.DropToken;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in SessionMetadataHeaders.All.Append(SessionMetadataHeaders.TraceParent))
        {
            if (context.RequestHeaders.Get(name) is { IsBinary: false } entry)
            {
                metadata[name] = entry.Value;
            }
        }

        var settings = options.Value;
        var session = new StubSession(metadata.GetValueOrDefault(SessionMetadataHeaders.SessionId), metadata, settings.MaxRecordedRequestsPerSession);
        using var streamCts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, dropToken);
        var writer = new StubResponseWriter(responseStream, faults, time, streamCts.Token);
        session.Writer = writer;
        var registered = false;
        if (session.SessionId.Length > 0)
        {
            registry.Register(session);
            registered = true;
        }

        LogOpened(logger, session.SessionId, metadata.Count);
        var conversation = new SessionConversation(session, writer, settings, time, mcpIds, logger, streamCts.Token);
        var received = 0;
        try
        {
            // After the record: a client that saw the headers (the IM confirms a resumed stream by them) finds it there.
            await context.WriteResponseHeadersAsync(new Metadata()).ConfigureAwait(false);
            conversation.OnOpened();
            while (await requestStream.MoveNext(streamCts.Token).ConfigureAwait(false))
            {
                var request = requestStream.Current;
                received++;
                using var text = request.GetKind() == ChatFrameKind.Text ? DeviceText.Parse(request.MessageData.Memory) : null;
                if (!registered)
                {
                    session.SetSessionIdIfUnknown(request.SessionId);
                    registry.Register(session);
                    registered = true;
                }

                session.Record(request, text?.Type);

                if (faults.FailStreamsAfterMessages is { } failAfter && received >= failAfter)
                {
                    LogFailAfter(logger, session.SessionId, received);
                    throw new RpcException(new Status(StatusCode.Internal, $"The stub fails this stream after {failAfter} messages (fault injection)."));
                }

                await conversation.HandleAsync(request, text).ConfigureAwait(false);
            }

            session.MarkCompleted();
            await conversation.CompleteAsync(DrainTimeout).ConfigureAwait(false);
            if (dropToken.IsCancellationRequested)
            {
                throw Dropped();
            }
        }
        catch (Exception ex) when (ex is not RpcException && dropToken.IsCancellationRequested)
        {
            LogDropped(logger, session.SessionId);
            throw Dropped();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.CancellationToken.IsCancellationRequested)
        {
            // The client went away (or its connection was aborted): nothing left to answer.
            LogClientGone(logger, session.SessionId);
        }
        finally
        {
            session.MarkCompleted();
            await streamCts.CancelAsync().ConfigureAwait(false);
            await conversation.DisposeAsync().ConfigureAwait(false);
            await writer.CloseAsync().ConfigureAwait(false);
            session.Writer = null;
            if (!registered)
            {
                registry.Register(session);
            }

            LogClosed(logger, session.SessionId, received);
        }
    }

    public override Task<HealthCheckResponse> HealthCheck(HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckResponse
        {
            Status = faults.Draining ? HealthCheckResponse.Types.ServingStatus.NotServing : HealthCheckResponse.Types.ServingStatus.Serving,
        });

    private static RpcException Dropped() => new(new Status(StatusCode.Unavailable, "The stub dropped this stream (fault injection)."));
}

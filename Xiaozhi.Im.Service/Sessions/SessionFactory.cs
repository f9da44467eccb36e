using System.Net.WebSockets;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Builds a <see cref="Session"/> for an accepted WebSocket and its opened ChatStream, with the host's settings and services.</summary>
internal sealed class SessionFactory(SessionSettings settings, SessionNode node)
{
    public Session Create(SessionMetadata metadata, WebSocket socket, AiChatStream stream) => new(metadata, socket, stream, settings, node);
}

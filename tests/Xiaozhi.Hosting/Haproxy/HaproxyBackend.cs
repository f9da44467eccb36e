namespace Xiaozhi.Hosting;

/// <summary>One IM node as haproxy sees it: its device port and the management port its health check asks.</summary>
public readonly record struct HaproxyBackend(int Port, int ManagementPort);

using Google.Protobuf.Reflection;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>
/// The generated descriptors must carry exactly the contract's package, service, rpc, message and field
/// names, numbers and types: these are what a Go peer sees on the wire (the gRPC path is
/// <c>/ai_service.AIService/ChatStream</c>).
/// </summary>
public sealed class ContractShapeTests
{
    [Test]
    public void Service_and_methods_have_the_contract_names_and_streaming_shapes()
    {
        var service = AiServiceReflection.Descriptor.Services.Should().ContainSingle().Subject;

        AiServiceReflection.Descriptor.Package.Should().Be("ai_service");
        service.FullName.Should().Be("ai_service.AIService");
        service.Methods.Select(m => m.Name).Should().Equal("ChatStream", "HealthCheck");

        var chat = service.FindMethodByName("ChatStream");
        chat.IsClientStreaming.Should().BeTrue();
        chat.IsServerStreaming.Should().BeTrue();
        chat.InputType.FullName.Should().Be("ai_service.ChatRequest");
        chat.OutputType.FullName.Should().Be("ai_service.ChatResponse");

        var health = service.FindMethodByName("HealthCheck");
        health.IsClientStreaming.Should().BeFalse();
        health.IsServerStreaming.Should().BeFalse();
        health.InputType.FullName.Should().Be("ai_service.HealthCheckRequest");
        health.OutputType.FullName.Should().Be("ai_service.HealthCheckResponse");
    }

    [Test]
    public void ChatRequest_fields_match_the_contract()
    {
        Fields(ChatRequest.Descriptor).Should().Equal(
            (1, "session_id", FieldType.String),
            (2, "device_id", FieldType.String),
            (3, "client_id", FieldType.String),
            (4, "message_type", FieldType.Int32),
            (5, "message_data", FieldType.Bytes),
            (6, "timestamp", FieldType.Int64));
    }

    [Test]
    public void ChatResponse_fields_match_the_contract()
    {
        Fields(ChatResponse.Descriptor).Should().Equal(
            (1, "session_id", FieldType.String),
            (2, "response_type", FieldType.Int32),
            (3, "response_data", FieldType.Bytes),
            (4, "timestamp", FieldType.Int64));
    }

    [Test]
    public void HealthCheck_messages_and_enum_match_the_contract()
    {
        Fields(HealthCheckRequest.Descriptor).Should().Equal((1, "service", FieldType.String));
        Fields(HealthCheckResponse.Descriptor).Should().Equal((1, "status", FieldType.Enum));

        var status = HealthCheckResponse.Descriptor.EnumTypes.Should().ContainSingle().Subject;
        status.FullName.Should().Be("ai_service.HealthCheckResponse.ServingStatus");
        status.Values.Select(v => (v.Number, v.Name)).Should().Equal((0, "UNKNOWN"), (1, "SERVING"), (2, "NOT_SERVING"));
    }

    [Test]
    public void Shipped_proto_is_the_shared_contract_plus_only_the_csharp_namespace_option()
    {
        var repo = RepositoryLayout.Root;
        var shared = Path.Combine(repo.Parent!.FullName, "shared", "ai_service.proto");
        if (!File.Exists(shared))
        {
            Assert.Ignore($"The shared contract is not beside this checkout ({shared}); the descriptor tests above still pin the shape.");
        }

        var ours = File.ReadAllLines(Path.Combine(repo.FullName, "Xiaozhi.Grpc.Proto", "Protos", "ai_service.proto"));
        var added = ours.Except(File.ReadAllLines(shared)).ToList();
        var removed = File.ReadAllLines(shared).Except(ours).ToList();

        removed.Should().BeEmpty("every line of the contract must stay");
        added.Should().OnlyContain(line => line.StartsWith("option csharp_namespace", StringComparison.Ordinal) || line.StartsWith("//", StringComparison.Ordinal));
    }

    private static IEnumerable<(int Number, string Name, FieldType Type)> Fields(MessageDescriptor descriptor) =>
        descriptor.Fields.InFieldNumberOrder().Select(f => (f.FieldNumber, f.Name, f.FieldType));
}

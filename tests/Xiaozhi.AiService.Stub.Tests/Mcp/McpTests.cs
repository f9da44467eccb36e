using System.Text.Json;
using System.Text.Json.Nodes;
using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Mcp;

public sealed class McpTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Hello_with_mcp_runs_initialize_then_pages_tools_list_and_keeps_the_tools()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync(mcp: true);

        var initialize = await NextMcpRequestAsync(stream, "initialize");
        initialize.GetProperty("params").GetProperty("protocolVersion").GetString().Should().NotBeNullOrEmpty();
        await AnswerAsync(stream, initialize, new JsonObject { ["protocolVersion"] = "2024-11-05", ["capabilities"] = new JsonObject() });

        var page1 = await NextMcpRequestAsync(stream, "tools/list");
        page1.GetProperty("params").TryGetProperty("cursor", out _).Should().BeFalse();
        await AnswerAsync(stream, page1, Tools(["self.light.set", "self.volume.get"], nextCursor: "2"));

        var page2 = await NextMcpRequestAsync(stream, "tools/list");
        page2.GetProperty("params").GetProperty("cursor").GetString().Should().Be("2");
        await AnswerAsync(stream, page2, Tools(["self.camera.take_photo"], nextCursor: null));

        var ids = new[] { initialize, page1, page2 }.Select(p => p.GetProperty("id").GetInt64()).ToArray();
        ids.Should().OnlyHaveUniqueItems();

        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => session.DeviceToolNames.Count == 3, "the stub knows all three tools");
        session.DeviceToolNames.Should().Equal("self.light.set", "self.volume.get", "self.camera.take_photo");
        await stream.ExpectNothingAsync();
    }

    [Test]
    public async Task Hello_without_mcp_sends_no_mcp()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync(mcp: false);
        await stream.ExpectNothingAsync();
    }

    [Test]
    public async Task Mcp_command_calls_the_tool_and_speaks_the_result()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = """/mcp self.light.set {"on":true,"level":3}""" }));
        var call = await NextMcpRequestAsync(stream, "tools/call");
        call.GetProperty("params").GetProperty("name").GetString().Should().Be("self.light.set");
        call.GetProperty("params").GetProperty("arguments").GetProperty("level").GetInt32().Should().Be(3);

        await AnswerAsync(stream, call, new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "light is on at level 3" }),
            ["isError"] = false,
        });
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().StartWith("/mcp self.light.set");
        turn.Sentence.Should().Contain("light is on at level 3").And.Contain("returned");
        turn.Frames.Should().HaveCount(5);
    }

    [Test]
    public async Task Mcp_error_is_spoken()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "/mcp no.such.tool" }));
        var call = await NextMcpRequestAsync(stream, "tools/call");
        call.GetProperty("params").GetProperty("arguments").EnumerateObject().Should().BeEmpty("no arguments means {}");
        var answer = new JsonObject
        {
            ["type"] = "mcp",
            ["payload"] = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = call.GetProperty("id").GetInt64(),
                ["error"] = new JsonObject { ["code"] = -32601, ["message"] = "Unknown tool: no.such.tool" },
            },
        };
        await stream.SendTextAsync(answer.ToJsonString());
        var turn = await stream.ReadTurnAsync();
        turn.Sentence.Should().Contain("failed").And.Contain("Unknown tool: no.such.tool");
    }

    [Test]
    public async Task Responses_are_matched_by_id_not_by_order()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "/mcp tool.a {}" }));
        var callA = await NextMcpRequestAsync(stream, "tools/call");
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "/mcp tool.b {}" }));
        var callB = await NextMcpRequestAsync(stream, "tools/call");
        callA.GetProperty("id").GetInt64().Should().NotBe(callB.GetProperty("id").GetInt64());

        // A response with an id the stub never used is ignored.
        await stream.SendTextAsync(Json.Of(new { type = "mcp", payload = new { jsonrpc = "2.0", id = 987654321, result = new { content = Array.Empty<object>() } } }));
        await VoiceTurnTests.PingBarrierAsync(stream);

        await AnswerAsync(stream, callB, TextResult("answer for b"));
        (await stream.ReadTurnAsync()).Sentence.Should().Contain("tool.b").And.Contain("answer for b");
        await AnswerAsync(stream, callA, TextResult("answer for a"));
        (await stream.ReadTurnAsync()).Sentence.Should().Contain("tool.a").And.Contain("answer for a");
    }

    [Test]
    public async Task Ids_never_collide_across_sessions()
    {
        await using var first = _host.Open();
        await using var second = _host.Open();
        await first.HelloAsync();
        await second.HelloAsync();
        await first.SendTextAsync(Json.Of(new { type = "chat", text = "/mcp t {}" }));
        await second.SendTextAsync(Json.Of(new { type = "chat", text = "/mcp t {}" }));
        var a = await NextMcpRequestAsync(first, "tools/call");
        var b = await NextMcpRequestAsync(second, "tools/call");
        a.GetProperty("id").GetInt64().Should().NotBe(b.GetProperty("id").GetInt64());
    }

    [TestCase("/mcp self.light.set {not json")]
    [TestCase("/mcp self.light.set [1,2]")]
    [TestCase("/mcp")]
    public async Task Bad_mcp_command_is_a_999(string text)
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text }));
        var error = await stream.NextErrorAsync();
        error.ErrorCode.Should().Be("mcp_invalid_arguments");
        await VoiceTurnTests.PingBarrierAsync(stream);
    }

    [Test]
    public async Task Mcp_message_without_payload_is_a_999()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"mcp"}""");
        (await stream.NextErrorAsync()).ErrorCode.Should().Be("invalid_mcp");
    }

    [Test]
    public async Task Initialize_on_connect_comes_before_any_hello()
    {
        await using var host = await StubHost.StartAsync(["--Stub:McpInitializeOnConnect", "true"]);
        await using var stream = host.Open();
        var initialize = await NextMcpRequestAsync(stream, "initialize");
        await AnswerAsync(stream, initialize, new JsonObject());
        await NextMcpRequestAsync(stream, "tools/list");

        // A later hello with features.mcp does not start a second handshake.
        await stream.HelloAsync(mcp: true);
        await stream.ExpectNothingAsync();
    }

    internal static async Task<JsonElement> NextMcpRequestAsync(DeviceStream stream, string method)
    {
        var message = await stream.NextJsonAsync("mcp");
        message.Str("session_id").Should().Be(stream.SessionId);
        var payload = message.GetProperty("payload");
        payload.Str("jsonrpc").Should().Be("2.0");
        payload.Str("method").Should().Be(method);
        payload.GetProperty("id").ValueKind.Should().Be(JsonValueKind.Number);
        return payload;
    }

    internal static Task AnswerAsync(DeviceStream stream, JsonElement request, JsonNode result) =>
        stream.SendTextAsync(new JsonObject
        {
            ["session_id"] = stream.SessionId,
            ["type"] = "mcp",
            ["payload"] = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request.GetProperty("id").GetInt64(), ["result"] = result },
        }.ToJsonString());

    private static JsonObject TextResult(string text) => new()
    {
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
        ["isError"] = false,
    };

    private static JsonObject Tools(IEnumerable<string> names, string? nextCursor)
    {
        var result = new JsonObject
        {
            ["tools"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject { ["name"] = n, ["description"] = n, ["inputSchema"] = new JsonObject { ["type"] = "object" } }).ToArray()),
        };
        if (nextCursor is not null)
        {
            result["nextCursor"] = nextCursor;
        }

        return result;
    }
}

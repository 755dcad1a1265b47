// The trace carried into the actors: the registry, agent and physics
// actors that a traced HTTP request, MCP tool call or WebSocket command
// reaches record their handling as INTERNAL spans, children of the
// request's SERVER span, in its trace.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mcpRequest, wsCommand, startReceiver, startServer, SpanKind } from "./harness.js";

let receiver;
let server;

before(async () => {
  receiver = await startReceiver();
  server = await startServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
});

after(async () => {
  await server?.stop();
  await receiver?.close();
});

/// A W3C traceparent of a new trace, sampled unless said otherwise.
function newTrace({ sampled = true } = {}) {
  const traceId = randomBytes(16).toString("hex");
  const parent = randomBytes(8).toString("hex");
  return { traceId, traceparent: `00-${traceId}-${parent}-${sampled ? "01" : "00"}` };
}

/// One API request under `traceparent`; the parsed body.
async function request(method, path, traceparent, body) {
  const res = await fetch(`${server.apiUrl}${path}`, {
    method,
    headers: {
      traceparent,
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/// Waits for the trace `traceId`: one SERVER span and the INTERNAL spans
/// named `names` (in any order), each a child of the SERVER span within its
/// time. Returns the children by name.
async function trace(traceId, names) {
  const spans = await receiver.waitForSpans((s) => s.traceId === traceId,
                                            { count: names.length + 1 });
  const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(servers.length, 1, `one SERVER span in ${JSON.stringify(spans.map((s) => s.name))}`);
  const [root] = servers;
  const children = spans.filter((s) => s !== root);
  assert.deepEqual(children.map((s) => s.name).sort(), [...names].sort());
  const byName = {};
  for (const child of children) {
    assert.equal(child.kind, SpanKind.INTERNAL, child.name);
    assert.equal(child.parentSpanId, root.spanId, `${child.name}: a child of ${root.name}`);
    assert.notEqual(child.spanId, root.spanId);
    assert.ok(child.startTimeUnixNano >= root.startTimeUnixNano
              && child.endTimeUnixNano <= root.endTimeUnixNano,
              `${child.name} lies within ${root.name}`);
    assert.equal(typeof child.attributes["agentviz.actor.id"], "bigint");
    byName[child.name] = child;
  }
  return { root, byName };
}

async function spawnAgent(name) {
  const res = await request("POST", "/api/agents", newTrace().traceparent,
                            { type: "coder", name });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

test("a spawn through the API reaches the registry", async () => {
  const { traceId, traceparent } = newTrace();
  const res = await request("POST", "/api/agents", traceparent, { type: "coder" });
  assert.equal(res.status, 201);
  const { root } = await trace(traceId, ["registry spawn"]);
  assert.equal(root.name, "POST /api/agents");
});

test("a task goes through the registry's lookup to the agent, which names itself", async () => {
  const id = await spawnAgent("tracing-worker");
  const { traceId, traceparent } = newTrace();
  const res = await request("POST", `/api/agents/${id}/tasks`, traceparent,
                            { description: "traced work" });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { byName } = await trace(traceId, ["registry get", "agent assign"]);
  assert.equal(byName["agent assign"].attributes["agentviz.agent.id"], id);
});

test("a message is handled by its sender and, through delegation, its recipient", async () => {
  const from = await spawnAgent("tracing-sender");
  const to = await spawnAgent("tracing-recipient");
  const { traceId, traceparent } = newTrace();
  const res = await request("POST", "/api/messages", traceparent,
                            { from, to, content: "hello" });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // The registry looks both up; the sender's agent delegates the delivery.
  const { byName } = await trace(traceId, ["registry get", "registry get", "agent send",
                                           "agent deliver"]);
  assert.equal(byName["agent send"].attributes["agentviz.agent.id"], from);
  assert.equal(byName["agent deliver"].attributes["agentviz.agent.id"], to);
});

test("a refused call still shows the actor that refused it", async () => {
  const { traceId, traceparent } = newTrace();
  const res = await request("PUT", "/api/agents/no-such-agent/state", traceparent,
                            { state: "ERROR" });
  assert.equal(res.status, 404);
  await trace(traceId, ["registry get"]);
});

test("an unsampled request makes no span, in the actors neither", async () => {
  const unsampled = newTrace({ sampled: false });
  assert.equal((await request("POST", "/api/agents", unsampled.traceparent,
                              { type: "coder" })).status, 201);
  // Spans leave in the order they end: once a later trace is here, the
  // unsampled one's would be too.
  const later = newTrace();
  assert.equal((await request("POST", "/api/agents", later.traceparent,
                              { type: "coder" })).status, 201);
  await trace(later.traceId, ["registry spawn"]);
  assert.equal(receiver.spans.filter((s) => s.traceId === unsampled.traceId).length, 0);
});

/// One JSON-RPC request to the node's MCP endpoint.
const mcp = (body, session) => mcpRequest(server, body, session);

test("an MCP tool call carries its trace into the actors", async () => {
  const init = await mcp({
    id: 1, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "otlp-actors", version: "1" } },
  });
  const session = init.headers.get("mcp-session-id");
  assert.ok(session);
  const spawn = newTrace();
  await mcp({
    id: 2, method: "tools/call",
    params: { name: "agent_spawn", arguments: { type: "tester", count: 2 },
              _meta: { traceparent: spawn.traceparent } },
  }, session);
  const { root } = await trace(spawn.traceId, ["registry spawn", "registry spawn"]);
  assert.equal(root.name, "tools/call agent_spawn");
});

test("a WebSocket command carries its trace into the actors", async () => {
  const id = await spawnAgent("tracing-ws");
  const { traceId, traceparent } = newTrace();
  const result = await wsCommand(server, {
    method: "PUT", path: `/api/agents/${id}/position`,
    body: { position: { x: 1, y: 2, z: 3 } }, traceparent,
  });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  const { root } = await trace(traceId, ["registry get", "physics position"]);
  assert.equal(root.name, "WS PUT /api/agents/{id}/position");
});

// agent-server's trace export (OTEL_EXPORTER_OTLP_ENDPOINT), received and
// decoded with the OpenTelemetry protobuf definitions: one SERVER span per
// HTTP API request, W3C traceparent, the resource and the scope, and, with
// the collector gone, requests that do not wait and spans that are counted
// as dropped. The tests run in order on one server; the last closes the
// receiver.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import {
  mcpRequest, requestsAnswerPromptly, wsCommand, startReceiver, startServer, waitForMetric, SpanKind,
  StatusCode,
} from "./harness.js";

const serviceName = `av-otlp-test-${randomUUID().slice(0, 8)}`;
let receiver;
let server;

before(async () => {
  receiver = await startReceiver();
  server = await startServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "200",
    OTEL_SERVICE_NAME: serviceName,
  });
});

after(async () => {
  await server?.stop();
  await receiver?.close();
});

const nowNs = () => BigInt(Date.now()) * 1000000n;
const second = 1000000000n;

/// One API request; returns its status, its body and the wall-clock window
/// (ns since the epoch, widened by a second each way) the span must lie in.
async function request(method, path, { headers = {}, body } = {}) {
  const from = nowNs() - second;
  const res = await fetch(`${server.apiUrl}${path}`, {
    method,
    headers: body ? { "Content-Type": "application/json", ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, text, from, to: nowNs() + second };
}

/// The one span whose url.path is `path` (waits for it).
async function spanOf(path) {
  const found = await receiver.waitForSpans((s) => s.attributes["url.path"] === path);
  assert.equal(found.length, 1, `one span for ${path}`);
  return found[0];
}

function assertServerSpan(span, { method, route, path, status, window }) {
  assert.equal(span.name, `${method} ${route}`);
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.attributes["http.request.method"], method);
  assert.equal(span.attributes["http.route"], route);
  assert.equal(span.attributes["url.path"], path);
  // A BigInt: an intValue, not a string or a double.
  assert.equal(span.attributes["http.response.status_code"], BigInt(status));
  assert.equal(span.status.code, status >= 500 ? StatusCode.ERROR : StatusCode.UNSET);
  assert.match(span.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(span.spanId, "0".repeat(16));
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(span.traceId, "0".repeat(32));
  assert.ok(span.startTimeUnixNano <= span.endTimeUnixNano,
            `start ${span.startTimeUnixNano} after end ${span.endTimeUnixNano}`);
  assert.ok(span.startTimeUnixNano >= window.from && span.endTimeUnixNano <= window.to,
            `span ${span.startTimeUnixNano}..${span.endTimeUnixNano} outside ` +
            `the request's ${window.from}..${window.to}`);
}

test("a traceparent header makes the span a child of the caller's span", async () => {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  const res = await request("GET", "/api/agents",
                            { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
  assert.equal(res.status, 200);
  const span = await spanOf("/api/agents");
  assertServerSpan(span, {
    method: "GET", route: "/api/agents", path: "/api/agents", status: 200, window: res,
  });
  assert.equal(span.traceId, traceId);
  assert.equal(span.parentSpanId, parentId);
  assert.notEqual(span.spanId, parentId);
});

test("a caller that does not sample its trace gets no span", async () => {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  const unsampled = `/api/agents/unsampled-${randomUUID()}`;
  const sampled = `/api/agents/sampled-${randomUUID()}`;
  await request("GET", unsampled, { headers: { traceparent: `00-${traceId}-${parentId}-00` } });
  await request("GET", sampled, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
  // Spans leave in the order their requests ended: once the later one is
  // here, the earlier one would be too.
  await spanOf(sampled);
  assert.equal(receiver.spans.filter((s) => s.attributes["url.path"] === unsampled).length, 0);
});

test("without a traceparent each request starts a trace of its own", async () => {
  const first = await request("GET", "/health");
  const second_ = await request("GET", "/health");
  assert.equal(first.status, 200);
  assert.equal(second_.status, 200);
  const spans = await receiver.waitForSpans(
    (s) => s.attributes["url.path"] === "/health", { count: 2 });
  assert.equal(spans.length, 2);
  for (const span of spans) {
    assertServerSpan(span, {
      method: "GET", route: "/health", path: "/health", status: 200,
      window: { from: first.from, to: second_.to },
    });
    assert.equal(span.parentSpanId, "", "a root span has no parent");
  }
  assert.notEqual(spans[0].traceId, spans[1].traceId);
  assert.notEqual(spans[0].spanId, spans[1].spanId);
  const earlier = receiver.spans.find((s) => s.attributes["url.path"] === "/api/agents");
  for (const span of spans) assert.notEqual(span.traceId, earlier?.traceId);
});

test("an invalid traceparent is ignored: the span starts a trace of its own", async () => {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  // W3C Trace Context: all-zero ids and version ff are invalid.
  const invalid = {
    "zero-trace": `00-${"0".repeat(32)}-${parentId}-01`,
    "zero-parent": `00-${traceId}-${"0".repeat(16)}-01`,
    "version-ff": `ff-${traceId}-${parentId}-01`,
  };
  for (const [name, traceparent] of Object.entries(invalid)) {
    const path = `/api/agents/${name}`;
    const res = await request("GET", path, { headers: { traceparent } });
    assert.equal(res.status, 404, res.text);
    const span = await spanOf(path);
    assertServerSpan(span, {
      method: "GET", route: "/api/agents/{id}", path, status: 404, window: res,
    });
    assert.equal(span.parentSpanId, "", `${name}: no parent`);
    assert.notEqual(span.traceId, traceId, `${name}: a new trace`);
  }
});

test("POST /api/agents: 201 in the span; a path with an id keeps the route pattern", async () => {
  const created = await request("POST", "/api/agents", { body: { type: "coder" } });
  assert.equal(created.status, 201, created.text);
  const { id } = JSON.parse(created.text);
  assert.ok(id);
  const span = await receiver.waitForSpans(
    (s) => s.attributes["http.request.method"] === "POST"
           && s.attributes["url.path"] === "/api/agents");
  assert.equal(span.length, 1);
  assertServerSpan(span[0], {
    method: "POST", route: "/api/agents", path: "/api/agents", status: 201, window: created,
  });
  assert.equal(span[0].parentSpanId, "");

  const path = `/api/agents/${id}`;
  const got = await request("GET", path);
  assert.equal(got.status, 200, got.text);
  assertServerSpan(await spanOf(path), {
    method: "GET", route: "/api/agents/{id}", path, status: 200, window: got,
  });
});

test("an unknown path answers 404 and its span has the route none", async () => {
  // Under /api/: elsewhere the dashboard's index.html may answer.
  const path = `/api/no-such-${randomUUID()}`;
  const res = await request("GET", path);
  assert.equal(res.status, 404);
  assertServerSpan(await spanOf(path), {
    method: "GET", route: "none", path, status: 404, window: res,
  });
});

test("a 5xx answer marks the span ERROR", async () => {
  // History needs PostgreSQL; in memory the route answers 503.
  const res = await request("GET", "/api/history/messages");
  assert.equal(res.status, 503, res.text);
  const span = await spanOf("/api/history/messages");
  assertServerSpan(span, {
    method: "GET", route: "/api/history/messages", path: "/api/history/messages",
    status: 503, window: res,
  });
  assert.equal(span.status.code, StatusCode.ERROR);
});

/// One JSON-RPC request to the node's MCP endpoint.
const mcp = (body, session) => mcpRequest(server, body, session);

test("an MCP tool call is a span of its own, a child of params._meta.traceparent", async () => {
  const init = await mcp({
    id: 1, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "otlp-test", version: "1" } },
  });
  assert.equal(init.status, 200);
  const session = init.headers.get("mcp-session-id");
  assert.ok(session);
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  const call = await mcp({
    id: 2, method: "tools/call",
    params: { name: "agent_list", arguments: {}, _meta: { traceparent: `00-${traceId}-${parentId}-01` } },
  }, session);
  assert.equal(call.status, 200);
  const [span] = await receiver.waitForSpans((s) => s.name === "tools/call agent_list");
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.traceId, traceId);
  assert.equal(span.parentSpanId, parentId);
  assert.equal(span.attributes["mcp.method.name"], "tools/call");
  assert.equal(span.attributes["gen_ai.tool.name"], "agent_list");
  assert.equal(span.attributes["agentviz.mcp.outcome"], "ok");
  assert.equal(span.status.code, StatusCode.UNSET);
  assert.ok(span.startTimeUnixNano <= span.endTimeUnixNano);
  // A refused call is a span too, with status ERROR.
  await mcp({ id: 3, method: "tools/call", params: { name: "agent_status", arguments: { agent: "nobody" } } }, session);
  const [failed] = await receiver.waitForSpans((s) => s.name === "tools/call agent_status");
  assert.equal(failed.status.code, StatusCode.ERROR);
  assert.equal(failed.parentSpanId, "");
});

test("a WebSocket command is a span named after its route, a child of its traceparent", async () => {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  const result = await wsCommand(server, {
    method: "GET", path: "/api/agents",
    traceparent: `00-${traceId}-${parentId}-01`,
  });
  assert.equal(result.status, 200);
  const [span] = await receiver.waitForSpans((s) => s.name === "WS GET /api/agents");
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.traceId, traceId);
  assert.equal(span.parentSpanId, parentId);
  assert.equal(span.attributes["http.route"], "/api/agents");
  assert.equal(span.attributes["http.response.status_code"], 200n);
  assert.equal(span.attributes["network.protocol.name"], "websocket");
  assert.equal(span.status.code, StatusCode.UNSET);
});

test("every export is a protobuf POST to /v1/traces with the service name and scope", async () => {
  assert.ok(receiver.spans.length >= 10, `${receiver.spans.length} spans`);
  const servers = new Set(receiver.spans.filter((s) => s.kind === SpanKind.SERVER)
                                        .map((s) => s.spanId));
  for (const span of receiver.spans) {
    assert.equal(span.resource["service.name"], serviceName);
    assert.equal(span.scope.name, "agent-visualizer");
    // The requests' spans, and the actors' work under them (actors.test.js).
    if (span.kind !== SpanKind.SERVER) {
      assert.equal(span.kind, SpanKind.INTERNAL, span.name);
      assert.ok(servers.has(span.parentSpanId), `${span.name}: a child of a request's span`);
    }
  }
  assert.ok(receiver.requests.length > 0);
  for (const r of receiver.requests) {
    assert.deepEqual(
      { method: r.method, path: r.path, contentType: r.contentType, error: r.error },
      { method: "POST", path: "/v1/traces", contentType: "application/x-protobuf", error: null });
  }
  // No span was sent twice.
  const ids = receiver.spans.map((s) => s.spanId);
  assert.equal(new Set(ids).size, ids.length, "span ids are unique");
});

test("spans that reached the receiver are counted as exported, none as dropped", async () => {
  const received = receiver.spans.length;
  const exported = await waitForMetric(
    server, "agentviz_trace_spans_exported_total", (v) => v >= received);
  assert.ok(exported > 0);
  const dropped = await waitForMetric(
    server, "agentviz_trace_spans_dropped_total", () => true);
  assert.equal(dropped, 0);
});

test("with the receiver closed requests still answer at once and spans are dropped", async () => {
  await receiver.close();
  await requestsAnswerPromptly(server);
  const dropped = await waitForMetric(
    server, "agentviz_trace_spans_dropped_total", (v) => v > 0);
  assert.ok(dropped > 0);
  // Each of the 20 requests makes its span and at most one in the registry.
  assert.ok(dropped <= 40, `${dropped} dropped of the at most 40 spans made after the close`);
});

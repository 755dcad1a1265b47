// An OTLP/HTTP trace receiver that decodes what it is sent with the
// OpenTelemetry protobuf definitions (the generated root of
// @opentelemetry/otlp-transformer, the one its ProtobufTraceSerializer
// encodes with), and a real agent-server that exports its spans to it.
//
// package.json pins @opentelemetry/otlp-transformer 0.216.0: the last
// release whose generated root holds the trace types (0.217.0 encodes
// traces by hand; 0.218.0 drops protobufjs) and whose dependencies all
// accept Node.js 18.20 (0.300.0 wants 22.15). Its override lifts the
// protobufjs 8.0.1 it pins to 8.8.1, past the later protobufjs advisories.
import { EventEmitter, once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import WebSocket from "ws";
import { nodeEnv, runNode } from "../../../node/agent_server.mjs";

const require = createRequire(import.meta.url);

// The package's main file is build/src/index.js; the generated root sits
// beside it. Resolved by file path, so an `exports` map cannot hide it.
const transformerMain = require.resolve("@opentelemetry/otlp-transformer");
const protoRoot = require(path.join(path.dirname(transformerMain),
                                    "generated/root.js"));
export const { ProtobufTraceSerializer } = require(transformerMain);
const collector = protoRoot.opentelemetry.proto.collector.trace.v1;
export const ExportTraceServiceRequest = collector.ExportTraceServiceRequest;
export const ExportTraceServiceResponse = collector.ExportTraceServiceResponse;

/// OpenTelemetry's enums (opentelemetry/proto/trace/v1/trace.proto).
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 };

const hex = (bytes) => Buffer.from(bytes ?? []).toString("hex");

/// An AnyValue as a JavaScript value: strings stay strings, intValue
/// becomes a BigInt (so that 201n and "201" differ), doubles numbers.
function anyValue(v) {
  switch (v?.value) {
    case "stringValue": return v.stringValue;
    case "intValue": return BigInt(v.intValue);
    case "doubleValue": return v.doubleValue;
    case "boolValue": return v.boolValue;
    case "bytesValue": return Buffer.from(v.bytesValue);
    case "arrayValue": return (v.arrayValue.values ?? []).map(anyValue);
    case "kvlistValue": return attributes(v.kvlistValue.values);
    default: return undefined;
  }
}

function attributes(list = []) {
  const out = {};
  for (const kv of list) out[kv.key] = anyValue(kv.value);
  return out;
}

/// The spans of one ExportTraceServiceRequest body, flattened, each with
/// its resource's attributes and its scope: ids in lower-case hex ("" for
/// none), times as BigInt nanoseconds.
export function decodeExport(body) {
  const message = ExportTraceServiceRequest.decode(body);
  const request = ExportTraceServiceRequest.toObject(message, {
    longs: String, enums: Number, defaults: true, arrays: true, oneofs: true,
  });
  const spans = [];
  for (const rs of request.resourceSpans) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans) {
      const scope = { name: ss.scope?.name ?? "", version: ss.scope?.version ?? "" };
      for (const s of ss.spans) {
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: BigInt(s.startTimeUnixNano),
          endTimeUnixNano: BigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

/// Listens on a free loopback port for POST /v1/traces. Keeps every
/// request it got (method, path, Content-Type, decode error) in `requests`
/// and every span in `spans`; answers 200 with an encoded, empty
/// ExportTraceServiceResponse, 400 to a body that does not decode, 404 to
/// any other path.
export async function startReceiver() {
  const requests = [];
  const spans = [];
  const events = new EventEmitter();
  const server = createHttpServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let body = Buffer.concat(chunks);
    const seen = {
      method: req.method,
      path: req.url,
      contentType: req.headers["content-type"],
      contentEncoding: req.headers["content-encoding"],
      bytes: body.length,
      spans: 0,
      error: null,
    };
    requests.push(seen);
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      res.writeHead(404).end();
      return;
    }
    try {
      if (seen.contentEncoding === "gzip") body = gunzipSync(body);
      const got = decodeExport(body);
      seen.spans = got.length;
      spans.push(...got);
    } catch (e) {
      seen.error = String(e?.stack ?? e);
      res.writeHead(400).end();
      return;
    }
    const answer = ExportTraceServiceResponse.encode({}).finish();
    res.writeHead(200, {
      "Content-Type": "application/x-protobuf",
      "Content-Length": answer.length,
    });
    res.end(Buffer.from(answer));
    events.emit("spans");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    spans,
    /// Resolves to the spans that pass `match` once there are `count` of
    /// them; rejects after `ms` with what did arrive.
    waitForSpans(match, { count = 1, ms = 10000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = spans.filter(match);
          if (found.length < count) return false;
          clearTimeout(timer);
          events.off("spans", check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          events.off("spans", check);
          reject(new Error(
            `${spans.filter(match).length} of ${count} matching spans within ` +
            `${ms} ms; received ${spans.length} spans: ` +
            JSON.stringify(spans.map((s) => ({
              name: s.name, path: s.attributes["url.path"], traceId: s.traceId,
            })))));
        }, ms);
        if (!check()) events.on("spans", check);
      });
    },
    /// Stops listening and cuts the connections the server keeps open, so
    /// that its next export finds the port closed.
    close() {
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      return closed;
    },
  };
}

/// Runs agent-server in memory on free ports with `extra` in its
/// environment until its `node ready` line; metrics on, no rate limit in
/// the way.
export async function startServer(extra = {}) {
  return runNode(await nodeEnv({
    PROMETHEUS_ENABLED: "true",
    RATE_LIMIT_MAX_REQUESTS: "100000",
    ...extra,
  }));
}

/// The sum of every sample of `name` (with or without labels) in the
/// Prometheus text `text`; undefined when there is none.
export function metricValue(text, name) {
  let sum;
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/);
    if (!m || m[1] !== name) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

/// Polls `server`'s /metrics every 100 ms until `name` passes `ok`, at
/// most `ms`; resolves to the value, rejects with the last one seen.
export async function waitForMetric(server, name, ok, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    const res = await fetch(server.metricsUrl, { signal: AbortSignal.timeout(2000) });
    last = metricValue(await res.text(), name);
    if (last !== undefined && ok(last)) return last;
    if (Date.now() >= deadline) {
      throw new Error(`${name} is ${last} after ${ms} ms`);
    }
    await delay(100);
  }
}

/// Makes `count` API requests one after the other; each must answer 200
/// within a second, whatever the collector does (an export never holds a
/// request).
export async function requestsAnswerPromptly(server, count = 20) {
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${server.apiUrl}/api/agents`,
                            { signal: AbortSignal.timeout(1000) });
    await res.text();
    if (res.status !== 200) throw new Error(`request ${i} answered ${res.status}`);
  }
}

/// One JSON-RPC request to `server`'s MCP endpoint (Streamable HTTP);
/// `session` after initialize. Returns the response, its body read.
export async function mcpRequest(server, body, session) {
  const res = await fetch(server.mcpUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...(session ? { "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18" } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", ...body }),
    signal: AbortSignal.timeout(5000),
  });
  await res.text();
  return res;
}

/// One command over a new WebSocket session to `server` (docs/protocol.md,
/// "Commands"): `command` without `type` and `id`. Returns the result
/// message; rejects after 5 s without one.
export async function wsCommand(server, command) {
  const ws = new WebSocket(server.wsUrl);
  await once(ws, "open");
  try {
    const answered = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no result within 5 s")), 5000);
      ws.on("message", (data, binary) => {
        if (binary) return;
        const msg = JSON.parse(data.toString());
        if (msg.type !== "result" || msg.id !== 1) return;
        clearTimeout(timer);
        resolve(msg);
      });
    });
    ws.send(JSON.stringify({ type: "command", id: 1, ...command }));
    return await answered;
  } finally {
    ws.close();
  }
}

// The receiver itself, without agent-server: what OpenTelemetry's own
// ProtobufTraceSerializer encodes, POSTed to the receiver, comes back out
// of its decoder field for field. A check of the test's decoder setup.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startReceiver, ProtobufTraceSerializer, ExportTraceServiceRequest,
  SpanKind, StatusCode,
} from "./harness.js";

let receiver;

before(async () => {
  receiver = await startReceiver();
});

after(async () => receiver?.close());

/// A finished span as the SDK hands it to an exporter (ReadableSpan), made
/// by hand: `kind` in the API's numbering (SERVER is 1 there, 2 in OTLP).
function readableSpan({ traceId, spanId, parentSpanId, name, startTime, endTime }) {
  return {
    name,
    kind: 1,
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext: parentSpanId
      ? { traceId, spanId: parentSpanId, traceFlags: 1, isRemote: true }
      : undefined,
    startTime,
    endTime,
    duration: [0, 1500],
    ended: true,
    status: { code: 2 },
    attributes: {
      "http.request.method": "POST",
      "http.route": "/api/agents",
      "http.response.status_code": 503,
    },
    links: [],
    events: [],
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    resource: { attributes: { "service.name": "decoder-check" } },
    instrumentationScope: { name: "agent-visualizer", version: "" },
  };
}

async function post(body) {
  const res = await fetch(`${receiver.endpoint}/v1/traces`, {
    method: "POST",
    headers: { "Content-Type": "application/x-protobuf" },
    body,
  });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
}

test("a request from the official serializer decodes field for field", async () => {
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const parentSpanId = "b7ad6b7169203331";
  const body = ProtobufTraceSerializer.serializeRequest([
    readableSpan({
      traceId, spanId: "00f067aa0ba902b7", parentSpanId, name: "POST /api/agents",
      startTime: [1700000000, 123456789], endTime: [1700000000, 123458289],
    }),
    readableSpan({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "53995c3f42cd8ad8",
      name: "GET /health", startTime: [1700000001, 0], endTime: [1700000001, 5],
    }),
  ]);
  assert.ok(body instanceof Uint8Array && body.length > 0);

  const res = await post(body);
  assert.equal(res.status, 200);
  // What the receiver answers is what an OTLP exporter expects.
  assert.deepEqual(
    { ...ProtobufTraceSerializer.deserializeResponse(res.body) }, {});

  const [child, root] = await receiver.waitForSpans(
    (s) => s.resource["service.name"] === "decoder-check", { count: 2 });
  assert.deepEqual(child, {
    traceId,
    spanId: "00f067aa0ba902b7",
    parentSpanId,
    name: "POST /api/agents",
    kind: SpanKind.SERVER,
    startTimeUnixNano: 1700000000123456789n,
    endTimeUnixNano: 1700000000123458289n,
    attributes: {
      "http.request.method": "POST",
      "http.route": "/api/agents",
      "http.response.status_code": 503n,
    },
    status: { code: StatusCode.ERROR, message: "" },
    resource: { "service.name": "decoder-check" },
    scope: { name: "agent-visualizer", version: "" },
  });
  assert.equal(root.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(root.parentSpanId, "");
  assert.equal(root.endTimeUnixNano - root.startTimeUnixNano, 5n);
});

test("a request encoded from a plain object decodes; garbage is refused", async () => {
  const body = ExportTraceServiceRequest.encode({
    resourceSpans: [{
      resource: {
        attributes: [{ key: "service.name", value: { stringValue: "plain-object" } }],
      },
      scopeSpans: [{
        scope: { name: "agent-visualizer" },
        spans: [{
          traceId: Buffer.from("5b8efff798038103d269b633813fc60c", "hex"),
          spanId: Buffer.from("eee19b7ec3c1b174", "hex"),
          name: "GET none",
          kind: 2,
          startTimeUnixNano: "1700000002000000000",
          endTimeUnixNano: "1700000002000000001",
          attributes: [
            { key: "url.path", value: { stringValue: "/nowhere" } },
            { key: "http.response.status_code", value: { intValue: 404 } },
          ],
          status: {},
        }],
      }],
    }],
  }).finish();
  assert.equal((await post(body)).status, 200);
  const [span] = await receiver.waitForSpans(
    (s) => s.resource["service.name"] === "plain-object");
  assert.equal(span.traceId, "5b8efff798038103d269b633813fc60c");
  assert.equal(span.spanId, "eee19b7ec3c1b174");
  assert.equal(span.parentSpanId, "");
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.endTimeUnixNano, 1700000002000000001n);
  assert.deepEqual(span.attributes,
                   { "url.path": "/nowhere", "http.response.status_code": 404n });
  assert.equal(span.status.code, StatusCode.UNSET);
  assert.deepEqual(span.scope, { name: "agent-visualizer", version: "" });

  // A length-delimited field that runs past the end of the body.
  const spansBefore = receiver.spans.length;
  assert.equal((await post(new Uint8Array([0x0a, 0x7f, 0x01]))).status, 400);
  assert.equal(receiver.spans.length, spansBefore);
  assert.ok(receiver.requests.at(-1).error);
});

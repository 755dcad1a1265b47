// A collector that takes the connection and the request but never
// answers: requests must not wait for it, its spans count as dropped once
// the export gives up, and the node still stops on SIGTERM.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { requestsAnswerPromptly, startServer, waitForMetric } from "./harness.js";

let collector;
const sockets = new Set();
let received = 0;
let server;

before(async () => {
  collector = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk) => { received += chunk.length; });
    socket.on("close", () => sockets.delete(socket));
  });
  collector.listen(0, "127.0.0.1");
  await once(collector, "listening");
  server = await startServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.address().port}`,
    OTEL_BSP_SCHEDULE_DELAY: "200",
  });
});

after(async () => {
  await server?.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise((r) => collector?.close(r));
});

test("requests answer at once while an export hangs", async () => {
  await requestsAnswerPromptly(server);
  // The exporter did reach the collector (the rest would prove nothing
  // otherwise).
  const deadline = Date.now() + 5000;
  while (received === 0 && Date.now() < deadline) await delay(50);
  assert.ok(received > 0, "no export reached the collector");
});

test("the spans of an export that gets no answer count as dropped", async () => {
  const dropped = await waitForMetric(
    server, "agentviz_trace_spans_dropped_total", (v) => v > 0, 15000);
  assert.ok(dropped > 0);
});

test("the node stops on SIGTERM although the collector never answers", async () => {
  const { proc } = server;
  const exited = once(proc, "exit").then(() => true);
  const started = Date.now();
  proc.kill("SIGTERM");
  const timer = new AbortController();
  const stopped = await Promise.race([
    exited,
    delay(10000, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  assert.ok(stopped, `still running ${Date.now() - started} ms after SIGTERM`);
});

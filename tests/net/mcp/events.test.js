// The server-to-client event stream (GET /mcp): node events as
// notifications/message, per session, resumable with Last-Event-ID.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { startServer, httpClient, key, post, initialize } from "./harness.js";

const auth = { Authorization: `Bearer ${key}` };
let server;

before(async () => {
  server = await startServer({ MCP_API_KEY: key });
});

after(async () => server?.stop());

function headersOf(session, extra = {}) {
  return { ...auth, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25", ...extra };
}

function call(session, name, args) {
  return post(server,
    { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } },
    headersOf(session));
}

/// Opens the stream; `next()` resolves to the next event {id, data, retry}
/// (data parsed when not empty), or rejects after `ms`.
async function openStream(session, extra = {}) {
  const controller = new AbortController();
  const res = await fetch(server.mcpUrl, {
    headers: headersOf(session, { Accept: "text/event-stream", ...extra }),
    signal: controller.signal,
  });
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let ended = false;
  async function next(ms = 5000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = buffered.indexOf("\n\n");
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        // Comment lines (": ping") are not events.
        const lines = block.split("\n").filter((l) => !l.startsWith(":"));
        if (lines.length === 0) continue;
        const field = (name) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field("data");
        return { id: field("id"), retry: field("retry"), data: data ? JSON.parse(data) : null };
      }
      if (ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${ms} ms`);
      let timer;
      const chunk = await Promise.race([
        reader.read(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), left); }),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) ended = true;
      else buffered += chunk.value;
    }
  }
  /// The next event of `type` (agent.spawned, tool.called, …).
  /** The next event of `type` whose data passes `match`. */
  async function nextOf(type, match = () => true) {
    for (;;) {
      const e = await next();
      if (e === null) throw new Error(`the stream ended before a ${type} event`);
      if (e.data?.params?.data?.type === type && match(e.data.params.data.data)) return e;
    }
  }
  return { res, next, nextOf, close: () => controller.abort() };
}

test("GET checks the session, the Accept header and Last-Event-ID", async () => {
  const { session } = await initialize(server, auth);
  const accept = { Accept: "text/event-stream" };
  const missing = await fetch(server.mcpUrl, { headers: { ...auth, ...accept } });
  assert.equal(missing.status, 400);
  assert.match((await missing.json()).error.message, /Mcp-Session-Id header is required/);
  const unknown = await fetch(server.mcpUrl, { headers: { ...auth, ...accept, "Mcp-Session-Id": "f".repeat(64) } });
  assert.equal(unknown.status, 404);
  const noKey = await fetch(server.mcpUrl, { headers: { ...accept, "Mcp-Session-Id": session } });
  assert.equal(noKey.status, 401);
  const json = await fetch(server.mcpUrl, { headers: headersOf(session, { Accept: "application/json" }) });
  assert.equal(json.status, 406);
  const badId = await fetch(server.mcpUrl, { headers: headersOf(session, { ...accept, "Last-Event-ID": "x1" }) });
  assert.equal(badId.status, 400);
  assert.match((await badId.json()).error.message, /Last-Event-ID/);
});

test("a raw stream gets node events at the session's level, and resumes", async () => {
  const { session } = await initialize(server, auth);
  const stream = await openStream(session);
  assert.equal(stream.res.status, 200);
  assert.match(stream.res.headers.get("content-type"), /^text\/event-stream/);
  const priming = await stream.next();
  assert.equal(priming.id, "0");
  assert.equal(priming.data, null);
  assert.equal(priming.retry, "1000");

  // Default level info: agent.spawned comes, tool.called (debug) does not.
  assert.equal((await call(session, "agent_spawn", { type: "sse", name: "first" })).body.result.isError, false);
  const spawned = await stream.next();
  assert.equal(spawned.id, "1");
  assert.equal(spawned.data.method, "notifications/message");
  assert.equal(spawned.data.params.level, "info");
  assert.equal(spawned.data.params.logger, "agent-visualizer");
  assert.equal(spawned.data.params.data.type, "agent.spawned");
  assert.equal(spawned.data.params.data.data.name, "first");

  const level = await post(server, { jsonrpc: "2.0", id: 8, method: "logging/setLevel", params: { level: "debug" } },
                           headersOf(session));
  assert.deepEqual(level.body.result, {});
  await call(session, "agent_list", {});
  // agent_spawn's own tool.called may come after its answer, and so after
  // the new level: the one of agent_list is the one to look at.
  const called = await stream.nextOf("tool.called", (x) => x.tool === "agent_list");
  assert.equal(called.data.params.level, "debug");
  assert.equal(called.data.params.data.data.tool, "agent_list");
  const lastSeen = called.id;

  // Missed while disconnected, replayed after Last-Event-ID.
  stream.close();
  await call(session, "agent_spawn", { type: "sse", name: "while-away" });
  const resumed = await openStream(session, { "Last-Event-ID": lastSeen });
  // The priming event carries the session's current event id: never behind
  // what the client saw, and the same when the spawn's events are published
  // after its answer (as under a sanitizer).
  const primed = await resumed.next();
  assert.ok(Number(primed.id) >= Number(lastSeen));
  const missed = await resumed.nextOf("agent.spawned");
  assert.equal(missed.data.params.data.data.name, "while-away");
  assert.ok(Number(missed.id) > Number(lastSeen));

  const bad = await post(server, { jsonrpc: "2.0", id: 9, method: "logging/setLevel", params: { level: "loud" } },
                         headersOf(session));
  assert.equal(bad.body.error.code, -32602);
  assert.match(bad.body.error.message, /params\.level/);

  // DELETE ends the session and its stream.
  const del = await fetch(server.mcpUrl, { method: "DELETE", headers: headersOf(session) });
  assert.equal(del.status, 200);
  for (let e = await resumed.next(); e !== null; e = await resumed.next()) {
    // Events published before the DELETE may still arrive; then it ends.
  }
});

test("a newer stream of the session takes over from the older one", async () => {
  const { session } = await initialize(server, auth);
  const first = await openStream(session);
  await first.next();
  const second = await openStream(session);
  await second.next();
  let e;
  do e = await first.next(); while (e !== null);
  await call(session, "agent_spawn", { type: "sse", name: "to-the-second" });
  const spawned = await second.nextOf("agent.spawned");
  assert.equal(spawned.data.params.data.data.name, "to-the-second");
  second.close();
});

test("the SDK client receives another client's changes as log notifications", async () => {
  const { client: watcher } = await httpClient(server);
  const got = [];
  let wake;
  watcher.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    got.push(n.params);
    wake?.();
  });
  await watcher.setLoggingLevel("info");
  const { client: actor } = await httpClient(server);
  const spawned = await actor.callTool({ name: "agent_spawn", arguments: { type: "sse", name: "seen-by-sdk" } });
  assert.equal(spawned.isError, false);
  const deadline = Date.now() + 5000;
  const seen = () => got.find((p) => p.data.type === "agent.spawned" && p.data.data.name === "seen-by-sdk");
  while (!seen() && Date.now() < deadline)
    await new Promise((r) => { wake = r; setTimeout(r, 100); });
  assert.ok(seen(), `no agent.spawned notification; got ${JSON.stringify(got)}`);
  assert.equal(seen().level, "info");
  await actor.close();
  await watcher.close();
});

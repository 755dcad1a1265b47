// The Streamable HTTP transport and the hooks, spoken raw where the SDK
// would hide the status codes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import {
  startServer, httpClient, key, post, initialize, configFile,
} from "./harness.js";

const auth = { Authorization: `Bearer ${key}` };
let server;

before(async () => {
  server = await startServer({
    MCP_API_KEY: key,
    PROMETHEUS_ENABLED: "true",
    ALLOWED_ORIGINS: "http://localhost:3000,https://app.example",
    MCP_CONFIG: configFile((c) => {
      c.server.sessionTtlMs = 1000;
      c.server.toolsPageSize = 5;
      return c;
    }),
  });
});

after(async () => server?.stop());

function call(session, id, name, args, version = "2025-11-25") {
  return post(
    server,
    { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } },
    { ...auth, "Mcp-Session-Id": session, "MCP-Protocol-Version": version });
}

test("initialize negotiates the revision and issues a session", async () => {
  for (const [asked, got] of [
    ["2025-11-25", "2025-11-25"], ["2025-06-18", "2025-06-18"],
    ["2025-03-26", "2025-03-26"], ["1999-01-01", "2025-11-25"],
  ]) {
    const res = await post(server, {
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: "x", version: "0" } },
    }, auth);
    assert.equal(res.status, 200);
    assert.equal(res.body.result.protocolVersion, got);
    assert.deepEqual(res.body.result.capabilities, { tools: { listChanged: false }, logging: {} });
    assert.equal(res.body.result.serverInfo.name, "agent-visualizer");
    assert.match(res.headers.get("mcp-session-id"), /^[0-9a-f]{64}$/);
  }
});

test("requests after initialize need a known session", async () => {
  const ping = { jsonrpc: "2.0", id: 2, method: "ping" };
  const missing = await post(server, ping, auth);
  assert.equal(missing.status, 400);
  assert.match(missing.body.error.message, /Mcp-Session-Id header is required/);
  const unknown = await post(server, ping, { ...auth, "Mcp-Session-Id": "f".repeat(64) });
  assert.equal(unknown.status, 404);
  const { session } = await initialize(server, auth);
  const ok = await post(server, ping, { ...auth, "Mcp-Session-Id": session });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.result, {});
  const badVersion = await post(server, ping, {
    ...auth, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2020-01-01",
  });
  assert.equal(badVersion.status, 400);
});

test("a notification is accepted with 202 and no body", async () => {
  const { session } = await initialize(server, auth);
  const res = await post(server, { jsonrpc: "2.0", method: "notifications/initialized" },
                         { ...auth, "Mcp-Session-Id": session });
  assert.equal(res.status, 202);
  assert.equal(res.body, null);
});

test("JSON-RPC errors: parse, invalid request, unknown method", async () => {
  const { session } = await initialize(server, auth);
  const headers = { ...auth, "Mcp-Session-Id": session };
  const parse = await post(server, "{not json", headers);
  assert.equal(parse.status, 400);
  assert.equal(parse.body.error.code, -32700);
  const invalid = await post(server, { id: 3, method: "ping" }, headers);
  assert.equal(invalid.body.error.code, -32600);
  const method = await post(server, { jsonrpc: "2.0", id: 4, method: "nope" }, headers);
  assert.equal(method.status, 200);
  assert.equal(method.body.error.code, -32601);
  const noName = await post(server, { jsonrpc: "2.0", id: 5, method: "tools/call", params: {} }, headers);
  assert.equal(noName.body.error.code, -32602);
});

test("tools/list pages with a cursor", async () => {
  const { session } = await initialize(server, auth);
  const headers = { ...auth, "Mcp-Session-Id": session };
  const names = [];
  let cursor;
  let pages = 0;
  do {
    const res = await post(server, {
      jsonrpc: "2.0", id: 10 + pages, method: "tools/list",
      params: cursor ? { cursor } : {},
    }, headers);
    names.push(...res.body.result.tools.map((t) => t.name));
    cursor = res.body.result.nextCursor;
    pages += 1;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(names.length, 13);
  const bad = await post(server, { jsonrpc: "2.0", id: 20, method: "tools/list", params: { cursor: "zz" } }, headers);
  assert.equal(bad.body.error.code, -32602);
});

test("the key is required, and a wrong one is refused", async () => {
  const missing = await initialize(server);
  assert.equal(missing.res.status, 401);
  assert.match(missing.res.headers.get("www-authenticate"), /Bearer/);
  const wrong = await initialize(server, { Authorization: "Bearer wrong-key-000000000" });
  assert.equal(wrong.res.status, 401);
  await assert.rejects(httpClient(server, null));
  await assert.rejects(httpClient(server, "wrong-key-000000000"));
});

test("Origin and Host are checked against DNS rebinding", async () => {
  const evil = await initialize(server, { ...auth, Origin: "http://evil.example" });
  assert.equal(evil.res.status, 403);
  assert.match(evil.res.body.error.message,
               /origin http:\/\/evil\.example is not allowed: .*loopback.*ALLOWED_ORIGINS/);
  const allowed = await initialize(server, { ...auth, Origin: "http://localhost:3000" });
  assert.equal(allowed.res.status, 200);
  // fetch sets Host itself; node:http sends the one we give.
  const status = await new Promise((resolve, reject) => {
    const req = request(server.mcpUrl, {
      method: "POST",
      headers: { ...auth, Host: "attacker.example:3001",
                 "Content-Type": "application/json" },
    }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on("error", reject);
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
  });
  assert.equal(status, 403);
});

test("loopback origins on any port are let in, foreign ones are not", async () => {
  // Browser clients on this machine (an inspector on 6274, a page of the
  // node's own port) are not in the default ALLOWED_ORIGINS.
  for (const origin of ["http://localhost:6274", "http://127.0.0.1:3001",
                        "https://[::1]:8443", "http://LOCALHOST"]) {
    const { res } = await initialize(server, { ...auth, Origin: origin });
    assert.equal(res.status, 200, origin);
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
  }
  for (const origin of ["http://localhost.evil.example:6274",
                        "http://127.0.0.1.evil.example", "http://localhost@evil.example",
                        "null", "file://localhost"]) {
    const { res } = await initialize(server, { ...auth, Origin: origin });
    assert.equal(res.status, 403, origin);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  }
  // ALLOWED_ORIGINS still adds foreign origins.
  const listed = await initialize(server, { ...auth, Origin: "https://app.example" });
  assert.equal(listed.res.status, 200);
});

test("DELETE ends a session; other methods answer 405", async () => {
  const { session } = await initialize(server, auth);
  const put = await fetch(server.mcpUrl, {
    method: "PUT", headers: { ...auth, "Mcp-Session-Id": session },
  });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, POST, DELETE");
  const del = await fetch(server.mcpUrl, { method: "DELETE", headers: { ...auth, "Mcp-Session-Id": session } });
  assert.equal(del.status, 200);
  const after = await post(server, { jsonrpc: "2.0", id: 1, method: "ping" }, { ...auth, "Mcp-Session-Id": session });
  assert.equal(after.status, 404);
  const again = await fetch(server.mcpUrl, { method: "DELETE", headers: { ...auth, "Mcp-Session-Id": session } });
  assert.equal(again.status, 404);
});

test("an idle session expires", async () => {
  const { session } = await initialize(server, auth);
  const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
  const headers = { ...auth, "Mcp-Session-Id": session };
  assert.equal((await post(server, ping, headers)).status, 200);
  // sessionTtlMs is 1000 here; poll until the server forgets it.
  const deadline = Date.now() + 10000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1100));
    status = (await post(server, ping, headers)).status;
  }
  assert.equal(status, 404);
});

test("calls are counted for Prometheus by tool and outcome", async () => {
  const { session } = await initialize(server, auth);
  await call(session, 1, "agent_list", {});
  await call(session, 2, "agent_spawn", { count: 0 });
  const text = await (await fetch(server.metricsUrl)).text();
  assert.match(text, /agentviz_mcp_calls_total\{outcome="ok",tool="agent_list"\} [1-9]/);
  assert.match(text, /agentviz_mcp_calls_total\{outcome="invalid",tool="agent_spawn"\} 1/);
  assert.match(text, /agentviz_mcp_call_duration_seconds_count\{tool="agent_list"\} [1-9]/);
});

// nginx-proxy (deploy/nginx/templates/default.conf.template), rendered and
// run natively by run.sh in front of a real agent-server: TLS, the
// redirect, security headers, and each route reaching its listener.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  closeViewer, env, mcpCall, mcpKey, mcpSession, openViewer, publicOrigin,
  request, tlsOptions, waitFor,
} from "./helpers.mjs";

const T = { timeout: 60000 };

test("HTTP answers with a redirect to the same path on HTTPS", T, async () => {
  const port = env("AV_DEPLOY_HTTP_PORT");
  const res = await new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: "/api/agents?limit=1", agent: false }, resolve).on("error", reject);
  });
  res.resume();
  assert.equal(res.statusCode, 301);
  assert.equal(res.headers.location, `https://127.0.0.1:${env("AV_DEPLOY_HTTPS_PORT")}/api/agents?limit=1`);
});

test("the certificate made by deploy.sh verifies for the public name", T, async () => {
  assert.equal((await request("/health")).status, 200);
  // A client that trusts only the system's CAs refuses it: it is self-signed.
  const systemCas = readFileSync("/etc/ssl/certs/ca-certificates.crt");
  await assert.rejects(request("/health", { tls: { ...tlsOptions(), ca: systemCas } }), /self[- ]signed/i);
});

const securityHeaders = {
  "strict-transport-security": /^max-age=\d{8,}/,
  "x-content-type-options": /^nosniff$/,
  "x-frame-options": /^DENY$/,
  "referrer-policy": /^no-referrer$/,
  "content-security-policy": /default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/,
  "permissions-policy": /camera=\(\)/,
};

for (const [what, path, status] of [
  ["the dashboard", "/", 200],
  ["the API", "/api/agents?limit=1", 200],
  ["an error", "/api/no-such-thing", 404],
]) {
  test(`security headers come with ${what}, and no nginx version`, T, async () => {
    const res = await request(path);
    assert.equal(res.status, status);
    for (const [name, pattern] of Object.entries(securityHeaders)) assert.match(res.headers[name] ?? "", pattern, name);
    assert.equal(res.headers.server, "nginx");
  });
}

test("/ serves the dashboard files of WEB_ROOT, /health and /api the API", T, async () => {
  const page = await request("/");
  assert.match(page.headers["content-type"], /^text\/html/);
  assert.equal(page.body, readFileSync(`${env("AV_DEPLOY_WEB_ROOT")}/index.html`, "utf8"));
  const health = JSON.parse((await request("/health")).body);
  assert.equal(health.status, "ok");
  const list = JSON.parse((await request("/api/agents?limit=5")).body);
  assert.equal(list.agents.length, 5);
  assert.ok(list.total >= 50, "the demo swarm of 50");
});

test("the node sees the client's address, not a forged X-Forwarded-For", T, async () => {
  // From 127.0.0.2, claiming to forward for 203.0.113.9: nginx appends the
  // real peer, and the node (TRUSTED_PROXIES=127.0.0.1) takes the rightmost
  // address that is not the proxy's.
  // The log names the path without the query: an unknown agent's id marks it.
  const probe = `/api/agents/${randomUUID()}`;
  const res = await request(probe, { localAddress: "127.0.0.2", headers: { "X-Forwarded-For": "203.0.113.9" } });
  assert.equal(res.status, 404);
  const line = await waitFor("the request in the node's log", () =>
    readFileSync(env("AV_DEPLOY_NODE_LOG"), "utf8").split("\n").find((l) => l.includes(`"path":"${probe}"`)), 10000);
  assert.equal(JSON.parse(line).client, "127.0.0.2");
});

test("a viewer on wss:///ws gets hello, then frames and events", T, async () => {
  const { ws, messages } = await openViewer();
  try {
    await waitFor("hello", () => messages.find((m) => m.type === "hello"), 10000);
    ws.send(JSON.stringify({ type: "subscribe" }));
    await waitFor("subscribed", () => messages.find((m) => m.type === "subscribed"), 10000);
    const frame = await waitFor("a position frame", () => messages.find((m) => Buffer.isBuffer(m)), 15000);
    assert.equal(frame.subarray(0, 4).toString(), "AVPF");
    // The demo swarm changes all the time; its events carry sequence numbers.
    const event = await waitFor("an event", () => messages.flat().find((m) => !Buffer.isBuffer(m) && typeof m.seq === "number" && m.data), 15000);
    assert.match(event.type, /^(agent|message|coordination|formation|tool|node)\./);
  } finally {
    await closeViewer(ws);
  }
});

test("a viewer from a foreign origin is refused by the node", T, async () => {
  await assert.rejects(openViewer({ origin: "https://evil.example" }), (err) => err.status === 403);
});

test("MCP without the key is refused; the key comes from its secret file", T, async () => {
  const res = await request("/mcp", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(res.status, 401);
  assert.match(res.headers["www-authenticate"] ?? "", /^Bearer/);
  assert.ok(mcpKey().length >= 16);
});

test("MCP's event stream passes each notification on as it comes", T, async () => {
  const session = await mcpSession();
  const chunks = [];
  const stream = await new Promise((resolve, reject) => {
    const req = https.get(
      {
        ...tlsOptions(),
        agent: false,
        host: "127.0.0.1",
        port: env("AV_DEPLOY_HTTPS_PORT"),
        path: "/mcp",
        headers: { Host: new URL(publicOrigin()).host, Accept: "text/event-stream", "Mcp-Session-Id": session, Authorization: `Bearer ${mcpKey()}` },
      },
      resolve,
    );
    req.on("error", reject);
  });
  try {
    assert.equal(stream.statusCode, 200);
    assert.match(stream.headers["content-type"], /^text\/event-stream/);
    stream.setEncoding("utf8");
    stream.on("data", (c) => chunks.push(c));
    // The priming event is a few bytes: a buffering proxy would hold it.
    await waitFor("the stream's first event", () => chunks.join("").includes("retry:"), 5000);
    const name = `deploy-${randomUUID().slice(0, 8)}`;
    const spawned = await mcpCall(session, "agent_spawn", { type: "coder", name });
    assert.notEqual(spawned.result?.isError, true, JSON.stringify(spawned));
    const note = await waitFor("the agent.spawned notification", () =>
      chunks.join("").split("\n").filter((l) => l.startsWith("data: {")).map((l) => JSON.parse(l.slice(6)))
        .find((m) => m.method === "notifications/message" && m.params.data.type === "agent.spawned" && m.params.data.data.name === name), 10000);
    assert.equal(note.params.level, "info");
  } finally {
    stream.destroy();
  }
});

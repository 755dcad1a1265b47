// `agent-server mcp --stdio --connect URL` with several requests in flight.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { binary, startServer } from "./harness.js";

/// What the relay keeps in flight at most (relay_max_in_flight).
const bound = 8;

/// A stand-in for a node that holds every tools/call until as many as can
/// come are waiting, then answers them last first, each echoing its
/// arguments: answers leave in another order than the requests came.
function holdingNode(total) {
  const held = [];
  let answered = 0;
  const stats = { mostWaiting: 0, connections: new Set() };
  const release = () => {
    while (held.length) {
      const { res, body } = held.pop();
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: { echo: body.params.arguments } }));
      answered++;
    }
  };
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (x) => (text += x));
    req.on("end", () => {
      // The relay follows the event stream: there is none here.
      if (req.method !== "POST") return res.writeHead(req.method === "GET" ? 405 : 200).end();
      const body = JSON.parse(text);
      if (body.method === "initialize") {
        res.setHeader("Mcp-Session-Id", "s1");
        res.setHeader("Content-Type", "application/json");
        return res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "holding", version: "0" } } }));
      }
      if (!body.id) return res.writeHead(202).end();
      assert.equal(req.headers["mcp-session-id"], "s1");
      // One request at a time per connection: the connections bound what
      // can be in flight.
      stats.connections.add(req.socket);
      held.push({ res, body });
      stats.mostWaiting = Math.max(stats.mostWaiting, held.length);
      if (held.length === Math.min(bound, total - answered)) release();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, stats })));
}

test("--connect keeps up to its bound in flight and ties each answer to its request", { timeout: 30000 }, async () => {
  const total = 20;
  const { server, stats } = await holdingNode(total);
  const url = `http://127.0.0.1:${server.address().port}/mcp`;
  const proc = spawn(binary, ["mcp", "--stdio", "--connect", url], {
    env: { PATH: process.env.PATH, LOG_FORMAT: "json" }, stdio: ["pipe", "pipe", "pipe"],
  });
  proc.stderr.resume();
  const answers = [];
  let wanted = 0;
  let wake;
  let pending = "";
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (x) => {
    pending += x;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      answers.push(JSON.parse(pending.slice(0, end)));
      pending = pending.slice(end + 1);
    }
    if (answers.length >= wanted) wake?.();
  });
  const until = (n) => new Promise((r) => { wanted = n; wake = r; if (answers.length >= n) r(); });
  const line = (x) => proc.stdin.write(JSON.stringify(x) + "\n");
  line({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
  await until(1);
  line({ jsonrpc: "2.0", method: "notifications/initialized" });
  for (let i = 1; i <= total; i++)
    line({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "agent_status", arguments: { agentId: `a${i}` } } });
  await until(1 + total);
  proc.stdin.end();
  assert.equal(await new Promise((r) => proc.on("exit", r)), 0);
  server.close();
  const calls = answers.slice(1);
  // Every request got exactly one answer, with its own arguments.
  assert.deepEqual(calls.map((a) => a.id).sort((x, y) => x - y), Array.from({ length: total }, (_, i) => i + 1));
  for (const a of calls) assert.deepEqual(a.result.echo, { agentId: `a${a.id}` });
  // The node held the bound, over no more connections, and answered out of
  // order.
  assert.equal(stats.mostWaiting, bound);
  assert.equal(stats.connections.size, bound);
  assert.notDeepEqual(calls.map((a) => a.id), calls.map((a) => a.id).sort((x, y) => x - y));
});

test("concurrent SDK calls through --connect each get their own answer", async () => {
  const server = await startServer();
  const transport = new StdioClientTransport({
    command: binary,
    args: ["mcp", "--stdio", "--connect", server.mcpUrl.href],
    env: { PATH: process.env.PATH, LOG_FORMAT: "json" },
    stderr: "pipe",
  });
  const client = new Client({ name: "sdk-relay-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const memory = (args) => client.callTool({ name: "memory_usage", arguments: { namespace: "relay", ...args } });
    await Promise.all(keys.map((key) => memory({ action: "store", key, value: `value of ${key}` })));
    const got = await Promise.all(keys.map((key) => memory({ action: "retrieve", key })));
    got.forEach((res, i) => {
      assert.equal(res.isError, false);
      assert.deepEqual([res.structuredContent.entry.key, res.structuredContent.entry.value], [keys[i], `value of ${keys[i]}`]);
    });
  } finally {
    await client.close();
    await server.stop();
  }
});

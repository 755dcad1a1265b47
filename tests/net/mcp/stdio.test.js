// The stdio transport: the SDK launches `agent-server mcp --stdio`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { stdioClient, binary, serverEnv, startServer, httpClient, key } from "./harness.js";

test("the SDK drives the tools over stdio", async () => {
  const { client } = await stdioClient();
  const { tools } = await client.listTools();
  assert.equal(tools.length, 13);
  const spawned = await client.callTool({ name: "agent_spawn", arguments: { type: "tester", count: 3 } });
  assert.equal(spawned.isError, false);
  assert.equal(spawned.structuredContent.spawned, 3);
  const listed = await client.callTool({ name: "agent_list", arguments: { type: "tester" } });
  assert.equal(listed.structuredContent.total, 3);
  const bad = await client.callTool({ name: "agent_spawn", arguments: { type: 7 } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /arguments\.type: expected a string/);
  await assert.rejects(client.callTool({ name: "nope", arguments: {} }),
                       (err) => err.code === -32602);
  await client.close();
});

test("the stdio client gets node events as log notifications", async () => {
  const { client } = await stdioClient();
  const got = [];
  let wake;
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    got.push(n.params);
    wake?.();
  });
  await client.setLoggingLevel("debug");
  await client.callTool({ name: "agent_spawn", arguments: { type: "stdio-events", name: "told" } });
  const seen = (type, pick) => got.find((p) => p.data.type === type && pick(p.data.data));
  const deadline = Date.now() + 5000;
  while (!(seen("agent.spawned", (d) => d.name === "told") && seen("tool.called", (d) => d.tool === "agent_spawn"))
         && Date.now() < deadline)
    await new Promise((r) => { wake = r; setTimeout(r, 100); });
  assert.equal(seen("agent.spawned", (d) => d.name === "told")?.level, "info");
  assert.equal(seen("tool.called", (d) => d.tool === "agent_spawn")?.level, "debug");
  await client.close();
});

test("stdout carries only JSON-RPC lines, one per answer", async () => {
  const proc = spawn(binary, ["mcp", "--stdio"], {
    env: await serverEnv(), stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (x) => (out += x));
  proc.stderr.resume();
  const lines = [
    { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 2, method: "ping" },
  ];
  proc.stdin.write(lines.map((x) => JSON.stringify(x)).join("\n") + "\n{oops\n");
  proc.stdin.end();
  const code = await new Promise((r) => proc.on("exit", r));
  assert.equal(code, 0);
  const received = out.trim().split("\n").map((l) => JSON.parse(l));
  // Node events may come as notifications between the answers.
  const answers = received.filter((x) => x.method !== "notifications/message");
  assert.equal(answers.length, 3);
  assert.equal(answers[0].result.protocolVersion, "2025-06-18");
  assert.deepEqual(answers[1], { jsonrpc: "2.0", id: 2, result: {} });
  assert.equal(answers[2].error.code, -32700);
});

/// An SDK client whose stdio server relays to `url` (`mcp --stdio --connect`).
async function relayClient(url, apiKey) {
  const transport = new StdioClientTransport({
    command: binary,
    args: ["mcp", "--stdio", "--connect", url],
    env: { PATH: process.env.PATH, LOG_FORMAT: "json", ...(apiKey ? { MCP_API_KEY: apiKey } : {}) },
    stderr: "pipe",
  });
  const client = new Client({ name: "sdk-relay-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

test("--connect relays stdio to a running node", async () => {
  const server = await startServer({ MCP_API_KEY: key });
  try {
    const relayed = await relayClient(server.mcpUrl.href, key);
    const notes = [];
    relayed.setNotificationHandler(LoggingMessageNotificationSchema, (n) => notes.push(n.params));
    const { tools } = await relayed.listTools();
    assert.equal(tools.length, 13);
    const spawned = await relayed.callTool({ name: "agent_spawn", arguments: { type: "relayed", count: 2 } });
    assert.equal(spawned.isError, false);
    // The agents live in the running node: a client over HTTP sees them.
    const { client: direct } = await httpClient(server);
    const listed = await direct.callTool({ name: "agent_list", arguments: { type: "relayed" } });
    assert.equal(listed.structuredContent.total, 2);
    // The node's event stream comes through the relay as notifications.
    await direct.callTool({ name: "agent_spawn", arguments: { type: "relayed", name: "seen-by-relay" } });
    const deadline = Date.now() + 5000;
    const seen = () => notes.find((p) => p.data.type === "agent.spawned" && p.data.data.name === "seen-by-relay");
    while (!seen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen()?.level, "info");
    await assert.rejects(relayed.callTool({ name: "nope", arguments: {} }), (err) => err.code === -32602);
    await direct.close();
    await relayed.close();
    // A wrong key is refused by the node, and the client hears why.
    await assert.rejects(relayClient(server.mcpUrl.href, "wrong-key-0123456789"),
                         /credentials are not valid/);
  } finally {
    await server.stop();
  }
});

test("--connect answers requests with an error when the node is gone", async () => {
  const server = await startServer();
  const url = server.mcpUrl.href;
  const relayed = await relayClient(url);
  await server.stop();
  await assert.rejects(relayed.listTools(), (err) => err.code === -32603 && err.message.includes(`cannot reach the node at ${url}`));
  await relayed.close();
});

test("--connect refuses a URL it cannot use, and needs --stdio", async () => {
  const run = (args) => new Promise((resolve) => {
    const proc = spawn(binary, args, { env: { PATH: process.env.PATH }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderr.on("data", (x) => (err += x));
    proc.on("exit", (code) => resolve({ code, err }));
  });
  const https = await run(["mcp", "--stdio", "--connect", "https://127.0.0.1:1/mcp"]);
  assert.equal(https.code, 2);
  assert.match(https.err, /--connect: expected http:\/\/host:port\/path/);
  const alone = await run(["mcp", "--connect", "http://127.0.0.1:1/mcp"]);
  assert.equal(alone.code, 2);
  assert.match(alone.err, /--stdio/);
});

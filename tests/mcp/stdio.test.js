// The stdio transport: the SDK launches `agent-server mcp --stdio`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { stdioClient, binary, serverEnv } from "./harness.js";

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
  const lines = out.trim().split("\n").map((l) => JSON.parse(l));
  // Node events may come as notifications between the answers.
  const answers = lines.filter((x) => x.method !== "notifications/message");
  assert.equal(answers.length, 3);
  assert.equal(answers[0].result.protocolVersion, "2025-06-18");
  assert.deepEqual(answers[1], { jsonrpc: "2.0", id: 2, result: {} });
  assert.equal(answers[2].error.code, -32700);
});

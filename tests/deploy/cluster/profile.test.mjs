// The compose stack's `cluster` profile, started by run.sh as the stack
// runs it: the first node and the profile's two more, each with its
// service's environment from docker-compose.yml (TLS and the cluster secret
// from the files deploy.sh --prepare made), behind nginx rendered for the
// three. The nodes join, any of them answers for the swarm, MCP stays on
// the node that opened the session, and viewers get the stream.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import { test } from "node:test";
import {
  closeViewer, env, httpsPort, mcpCall, mcpKey, mcpSession, openViewer, publicOrigin, request,
  tlsOptions, waitFor,
} from "../helpers.mjs";

const T = { timeout: 60000 };
const names = ["agent-visualizer", "agent-visualizer-2", "agent-visualizer-3"];
// Each node's API and metrics, asked directly.
const nodeUrls = env("AV_DEPLOY_NODE_URLS").trim().split(" ");
const metricsUrls = env("AV_DEPLOY_METRICS_URLS").trim().split(" ");
const json = async (res) => JSON.parse((await res).body);

/** Spawns a coder named `name` through the proxy (the node it lands on is
 * the cluster's choice); resolves to the agent. */
async function spawn(name) {
  const res = await request("/api/agents", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${mcpKey()}` },
    body: JSON.stringify({ type: "coder", name }),
  });
  assert.equal(res.status, 201, res.body);
  return JSON.parse(res.body);
}

test("the three nodes joined: every one is up in /api/nodes through the proxy", T, async () => {
  const nodes = await waitFor("three nodes up", async () => {
    const { nodes } = await json(request("/api/nodes"));
    return nodes.length === 3 && nodes.every((n) => n.state === "up") && nodes;
  }, 30000);
  assert.deepEqual(nodes.map((n) => n.name).sort(), names);
  // Each numbers its agents in the slot its service names.
  assert.deepEqual(Object.fromEntries(nodes.map((n) => [n.name, n.slot])),
    { "agent-visualizer": 0, "agent-visualizer-2": 1, "agent-visualizer-3": 2 });
  // Over TLS, with the certificate deploy.sh --prepare made.
  assert.match(readFileSync(env("AV_DEPLOY_NODE_LOG"), "utf8"), /"msg":"cluster port open"[^\n]*"tls":true/);
});

test("HTTP requests through the proxy go round the three nodes", T, async () => {
  const seen = new Set();
  for (let i = 0; i < 6; i++) seen.add((await json(request("/health"))).node);
  assert.deepEqual([...seen].sort(), names);
});

test("an agent spawned through the proxy is listed by each node, asked directly", T, async () => {
  const name = `cluster-${randomUUID().slice(0, 8)}`;
  const agent = await spawn(name);
  assert.ok(names.includes(agent.node), agent.node);
  for (const url of nodeUrls) {
    const listed = await waitFor(`${name} on ${url}`, async () => {
      const r = await fetch(`${url}/api/agents/${agent.id}`);
      return r.status === 200 && r.json();
    }, 10000);
    assert.equal(listed.name, name, url);
    assert.equal(listed.node, agent.node, url);
  }
});

/** Sum of agentviz_mcp_calls_total for `tool` on each node. */
async function mcpCallsByNode(tool) {
  return Promise.all(metricsUrls.map(async (url) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text.split("\n").filter((l) => l.startsWith("agentviz_mcp_calls_total{") && l.includes(`tool="${tool}"`))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  }));
}

test("MCP sessions opened through the proxy stay on their node, call after call, and spread by client", T, async () => {
  // Clients at 12 addresses: nginx picks the node by the client's address,
  // so the request that opens a session (it has no id yet) and every later
  // one go to the node that holds the session; another node would answer
  // 404 to its id.
  const before = await mcpCallsByNode("agent_list");
  const clients = Array.from({ length: 12 }, (_, i) => `127.0.0.${i + 1}`);
  const calls = 4;
  for (const from of clients) {
    const session = await mcpSession(from);
    for (let id = 2; id < 2 + calls; id++) {
      const answer = await mcpCall(session, "agent_list", { limit: 1 }, { id, from });
      assert.notEqual(answer.result?.isError, true, JSON.stringify(answer));
    }
  }
  const added = (await mcpCallsByNode("agent_list")).map((n, i) => n - before[i]);
  assert.equal(added.reduce((a, b) => a + b, 0), clients.length * calls, `calls per node: ${added}`);
  for (const n of added) assert.equal(n % calls, 0, `a session's calls split over nodes: ${added}`);
  assert.ok(added.filter((n) => n > 0).length >= 2, `every client on one node: ${added}`);
});

test("MCP's event stream opens on the node of its session", T, async () => {
  const from = "127.0.0.7";
  const session = await mcpSession(from);
  const stream = await new Promise((resolve, reject) => {
    https.get({
      ...tlsOptions(),
      agent: false,
      host: "127.0.0.1",
      port: httpsPort(),
      path: "/mcp",
      localAddress: from,
      headers: { Host: new URL(publicOrigin()).host, Accept: "text/event-stream", "Mcp-Session-Id": session, Authorization: `Bearer ${mcpKey()}` },
    }, resolve).on("error", reject);
  });
  try {
    assert.equal(stream.statusCode, 200);
    assert.match(stream.headers["content-type"], /^text\/event-stream/);
  } finally {
    stream.destroy();
  }
});

/** Asks a viewer's node for /health over its socket; resolves to its name. */
async function viewerNode({ ws, messages }) {
  const id = randomUUID();
  ws.send(JSON.stringify({ type: "command", id, method: "GET", path: "/health" }));
  const result = await waitFor("the command's result", () => messages.find((m) => m.type === "result" && m.id === id), 10000);
  return result.body.node;
}

test("viewers through the proxy go to different nodes, and each gets the whole swarm's stream", T, async () => {
  const viewers = [];
  try {
    // Each goes to the node with the fewest viewers: three, one per node.
    for (let i = 0; i < 3; i++) viewers.push(await openViewer());
    assert.deepEqual((await Promise.all(viewers.map(viewerNode))).sort(), names);
    for (const { ws, messages } of viewers) {
      ws.send(JSON.stringify({ type: "subscribe" }));
      await waitFor("subscribed", () => messages.find((m) => m.type === "subscribed"), 10000);
    }
    for (const { messages } of viewers) {
      const frame = await waitFor("a position frame", () => messages.find((m) => Buffer.isBuffer(m)), 15000);
      assert.equal(frame.subarray(0, 4).toString(), "AVPF");
    }
    // An agent spawned on one node reaches the viewers of all three.
    const name = `viewed-${randomUUID().slice(0, 8)}`;
    const agent = await spawn(name);
    for (const { messages } of viewers) {
      const spawned = await waitFor(`${name} spawned`, () => messages.flat().find((m) =>
        !Buffer.isBuffer(m) && m.type === "agent.spawned" && m.data?.name === name), 10000);
      assert.equal(spawned.data.node, agent.node);
    }
  } finally {
    await Promise.all(viewers.map(({ ws }) => closeViewer(ws)));
  }
});

// What the cluster's process tests share: waiting on a condition, a
// node's view of the cluster, a viewer of its node.* events.
import { once } from "node:events";
import WebSocket from "ws";
import { nodeEnv, until } from "../../../node/agent_server.mjs";

export { until };

export const SECRET = "cluster-secret-for-tests";

export async function getJson(node, path) {
  const res = await fetch(`${node.apiUrl}${path}`);
  return { status: res.status, body: await res.json() };
}

/** `method` on `path` of `node`'s API with a JSON body; status and body. */
export async function call(node, method, path, body) {
  const res = await fetch(`${node.apiUrl}${path}`, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Spawns a coder named `name` through `node`, on `on` (a node's name;
 * that node by default); its JSON. */
export async function spawnAgent(node, name, on = node.ready.node) {
  const res = await call(node, "POST", "/api/agents", { type: "coder", name, node: on });
  if (res.status !== 201) throw new Error(`spawn on ${node.ready.node}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** name → state as `node` lists the cluster. */
export async function view(node) {
  const { body } = await getJson(node, "/api/nodes");
  return Object.fromEntries(body.nodes.map((n) => [n.name, n.state]));
}

/** A viewer of `node`'s event stream that keeps the node.* events. */
export async function watch(node) {
  const ws = new WebSocket(node.wsUrl);
  const events = [];
  ws.on("message", (data, binary) => {
    if (binary) return;
    const msg = JSON.parse(data.toString());
    if (typeof msg.type === "string" && msg.type.startsWith("node.")) events.push({ ...msg, at: Date.now() });
  });
  await once(ws, "open");
  ws.send(JSON.stringify({ type: "subscribe", types: ["nobody"], events: ["node.joined", "node.left"] }));
  return { ws, events };
}

/** A node's environment; the tests poll, so no rate limit gets in the way. */
export function clusterEnv(name, seeds = "", extra = {}) {
  return nodeEnv({
    NODE_NAME: name, CLUSTER_SEEDS: seeds, CLUSTER_SECRET: SECRET, RATE_LIMIT_MAX_REQUESTS: "1000000", ...extra,
  });
}

/** A viewer of `node`'s position frames (float form, docs/protocol.md):
 * each part by "frame/part" with its records, each agent's last position,
 * and the last frame number. */
export async function watchLayout(node) {
  const ws = new WebSocket(node.wsUrl);
  const parts = new Map();
  const last = new Map();
  let frame = 0n;
  ws.on("message", (data, binary) => {
    if (!binary) return;
    const b = Buffer.from(data);
    if (b.toString("latin1", 0, 4) !== "AVPF" || (b[5] & 2) !== 0) return;
    frame = b.readBigUInt64LE(8);
    const records = [];
    for (let i = 0, o = 36; i < b.readUInt32LE(32); ++i, o += 28) {
      const pos = [b.readFloatLE(o + 4), b.readFloatLE(o + 8), b.readFloatLE(o + 12)];
      records.push([b.readUInt32LE(o), pos]);
      last.set(b.readUInt32LE(o), pos);
    }
    parts.set(`${frame}/${b.readUInt32LE(24)}`, { frame, keyframe: (b[5] & 1) !== 0, records });
  });
  await once(ws, "open");
  ws.send(JSON.stringify({ type: "subscribe", format: "float", events: ["node.left"] }));
  return { ws, parts, last, get frame() { return frame; } };
}

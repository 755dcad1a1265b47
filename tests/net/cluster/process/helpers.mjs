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

export function clusterEnv(name, seeds = "", extra = {}) {
  return nodeEnv({ NODE_NAME: name, CLUSTER_SEEDS: seeds, CLUSTER_SECRET: SECRET, ...extra });
}

// What the auth matrix needs around a real agent-server: the secrets and
// HS256 tokens (signed here with node:crypto), a node with a viewer of its
// event stream and an MCP session of its own, the three ways in (HTTP,
// WebSocket commands, MCP), a read-back of the node's state, barriers that
// tell when everything a request could have caused has been seen, and the
// node's log since a mark.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { nodeEnv, root, runNode, until } from "../../node/agent_server.mjs";

export { until };

/// The node's credentials: the API key and the JWT secret (at least 16
/// characters and 32 bytes), and the secret of a forger who does not know it.
export const API_KEY = "auth-matrix-api-key-6b1f0c9e2d";
export const JWT_SECRET = "auth-matrix-jwt-secret-3e8a7c51d94f2b06ae17";
export const FORGER_SECRET = "auth-matrix-forger-secret-90c4e2b7a1d35f68";

const base64url = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");

/// An HS256 JWT over `claims`, signed with `secret`.
export function jwt(claims, secret) {
  const signed = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(claims)}`;
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);

/// Every valid token handed out, for the search of the logs.
export const issued = [];

/// A token the node accepts: signed with JWT_SECRET, ten minutes to live.
export function validJwt(sub = "auth-matrix") {
  const token = jwt({ sub, iat: now(), exp: now() + 600 }, JWT_SECRET);
  if (!issued.includes(token)) issued.push(token);
  return token;
}

/// The client address the node names in its logs.
export const CLIENT = "127.0.0.1";


/// The repository's mcp-config.json with `change` applied, in a scratch file.
function mcpConfig(change) {
  const config = JSON.parse(readFileSync(path.join(root, "config/mcp-config.json"), "utf8"));
  // The matrix makes far more calls with the key than a minute's default.
  for (const hook of config.hooks.preExecution)
    if (hook.name === "rate-limit") hook.maxCalls = 1000000;
  const file = path.join(mkdtempSync(path.join(tmpdir(), "av-auth-")), "mcp-config.json");
  writeFileSync(file, JSON.stringify(change(config)));
  return file;
}

const bearer = (token) => (token ? { Authorization: `Bearer ${token}` } : {});

async function readBody(res) {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/// One HTTP request to the API; `token` null sends no Authorization.
export async function httpRequest(apiUrl, { method, path: target, body }, token) {
  const res = await fetch(`${apiUrl}${target}`, {
    method,
    headers: { "Content-Type": "application/json", ...bearer(token) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await readBody(res) };
}

/// The next text message on `ws` for which `pick` is truthy.
function nextMessage(ws, pick, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${what} within 10 s`)), 10000);
    const onMessage = (data, binary) => {
      if (binary) return;
      const msg = JSON.parse(data.toString());
      if (pick(msg)) done(null, msg);
    };
    const onClose = () => done(new Error(`the connection closed before ${what}`));
    function done(err, msg) {
      clearTimeout(timer);
      ws.off("message", onMessage);
      ws.off("close", onClose);
      if (err) reject(err);
      else resolve(msg);
    }
    ws.on("message", onMessage);
    ws.once("close", onClose);
  });
}

/// One WebSocket command on a connection of its own; the `result` message.
/// `via` says how the token reaches the node: an `auth` message, the
/// `token` of a `subscribe`, or an Authorization header on the upgrade.
export async function wsCommand(wsUrl, { method, path: target, body }, token, via = "auth") {
  const ws = new WebSocket(wsUrl, { headers: via === "upgrade" ? bearer(token) : {} });
  try {
    const hello = nextMessage(ws, (m) => m.type === "hello", "hello");
    await once(ws, "open");
    await hello;
    if (token && via === "auth") {
      const ok = nextMessage(ws, (m) => m.type === "auth", "the auth answer");
      ws.send(JSON.stringify({ type: "auth", token }));
      await ok;
    }
    if (token && via === "subscribe") {
      const ok = nextMessage(ws, (m) => m.type === "subscribed", "subscribed");
      ws.send(JSON.stringify({ type: "subscribe", token, types: ["nobody"], events: [] }));
      await ok;
    }
    const result = nextMessage(ws, (m) => m.type === "result" && m.id === 1, "the command's result");
    ws.send(JSON.stringify({ type: "command", id: 1, method, path: target, body }));
    const { status, body: answer } = await result;
    return { status, body: answer };
  } finally {
    ws.close();
  }
}

/// One POST (or `method`) to /mcp; status, headers and the parsed body.
export async function mcpRequest(mcpUrl, { method = "POST", headers = {}, body }, token) {
  const res = await fetch(mcpUrl, {
    method,
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...headers,
      ...bearer(token),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await readBody(res) };
}

/// An initialized MCP session of client `name`; its id.
export async function mcpSession(mcpUrl, token, name) {
  const init = await mcpRequest(mcpUrl, {
    body: {
      jsonrpc: "2.0", id: 0, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name, version: "1" } },
    },
  }, token);
  assert.equal(init.status, 200, JSON.stringify(init.body));
  const session = init.headers.get("mcp-session-id");
  const done = await mcpRequest(mcpUrl, {
    headers: { "Mcp-Session-Id": session },
    body: { jsonrpc: "2.0", method: "notifications/initialized" },
  }, token);
  assert.equal(done.status, 202);
  return session;
}

let rpcId = 0;

/// The body of a `tools/call`.
export function toolCall(name, args) {
  return { jsonrpc: "2.0", id: ++rpcId, method: "tools/call", params: { name, arguments: args } };
}

/// A viewer of the node's event stream, unfiltered: every event in arrival
/// order, and the positions of the latest complete keyframe.
class Viewer {
  constructor(ws) {
    this.ws = ws;
    this.events = [];
    this.keyframes = 0;
    this.keyframe = new Map();
    this.parts = new Map();
    ws.on("message", (data, binary) => (binary ? this.frame(data) : this.text(data)));
  }

  static async open(wsUrl) {
    const ws = new WebSocket(wsUrl);
    const viewer = new Viewer(ws);
    await once(ws, "open");
    const subscribed = nextMessage(ws, (m) => m.type === "subscribed", "subscribed");
    ws.send(JSON.stringify({ type: "subscribe" }));
    await subscribed;
    return viewer;
  }

  text(data) {
    const msg = JSON.parse(data.toString());
    for (const x of Array.isArray(msg) ? msg : [msg])
      if (typeof x.seq === "number" && x.data) this.events.push(x);
  }

  /// Keeps keyframes (float form, docs/protocol.md "Position frames").
  frame(buf) {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (buf.toString("latin1", 0, 4) !== "AVPF" || (v.getUint8(5) & 1) === 0) return;
    const seq = v.getBigUint64(8, true);
    const parts = v.getUint32(28, true);
    const count = v.getUint32(32, true);
    const kept = this.parts.get(seq) ?? { positions: new Map(), parts: 0 };
    for (let i = 0, o = 36; i < count; ++i, o += 28)
      kept.positions.set(v.getUint32(o, true),
        [v.getFloat32(o + 4, true), v.getFloat32(o + 8, true), v.getFloat32(o + 12, true)]);
    if (++kept.parts < parts) return this.parts.set(seq, kept);
    this.parts.delete(seq);
    this.keyframe = kept.positions;
    ++this.keyframes;
  }

  /// The positions of the first keyframe completed after this call. One
  /// comes every second; the bound is until's own, for a starved machine.
  async nextKeyframe() {
    const seen = this.keyframes;
    await until("a keyframe", () => this.keyframes > seen);
    return this.keyframe;
  }

  close() {
    this.ws.close();
  }
}

/// The MCP client name of the node's own reader session: its calls are the
/// read-backs and barriers, not changes.
const READER = "auth-matrix-reader";

/// A running agent-server with a viewer and a reader session. `mcpChange`
/// edits its mcp-config.json.
export async function startNode(extraEnv = {}, mcpChange = (c) => c) {
  const env = await nodeEnv({
    MCP_API_KEY: API_KEY,
    JWT_SECRET,
    // The debug level logs every request: the most the node ever logs,
    // hence the most a secret could leak into.
    LOG_LEVEL: "debug",
    RATE_LIMIT_MAX_REQUESTS: "10000000",
    PROMETHEUS_ENABLED: "false",
    MCP_CONFIG: mcpConfig(mcpChange),
    ...extraEnv,
  });
  const node = await runNode(env);
  const viewer = await Viewer.open(node.wsUrl);
  const reader = await mcpSession(node.mcpUrl, API_KEY, READER);
  return new Node(node, viewer, reader);
}

class Node {
  constructor(node, viewer, reader) {
    this.node = node;
    this.viewer = viewer;
    this.reader = reader;
    this.apiUrl = node.apiUrl;
    this.wsUrl = node.wsUrl;
    this.mcpUrl = node.mcpUrl;
    this.barriers = 0;
  }

  log() {
    return this.node.log();
  }

  /// A request with the right key; its answer must be a success.
  async api(method, target, body) {
    const res = await httpRequest(this.apiUrl, { method, path: target, body }, API_KEY);
    assert.ok(res.status < 300, `${method} ${target}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async spawn(name) {
    return this.api("POST", "/api/agents", { type: "coder", name });
  }

  /// A tool called from the reader session, with the key.
  async tool(name, args) {
    const res = await mcpRequest(this.mcpUrl, {
      headers: { "Mcp-Session-Id": this.reader }, body: toolCall(name, args),
    }, API_KEY);
    assert.equal(res.status, 200);
    return res.body.result;
  }

  /// Where the viewer's events and the log stand now.
  mark() {
    return { events: this.viewer.events.length, log: this.log().length };
  }

  /// Returns once everything published and logged before this call has
  /// reached the viewer and the log: a read tool's `tool.called` event and
  /// the log line of a request for a path of its own come after anything a
  /// request answered earlier published or logged. Their positions.
  async barrier() {
    const n = ++this.barriers;
    await this.tool("agent_list", { limit: 1 });
    const isBarrier = (e) => e.type === "tool.called" && e.data.client === READER && e.data.tool === "agent_list";
    const events = await until("the barrier's tool.called event", () => {
      let count = 0;
      const i = this.viewer.events.findIndex((e) => isBarrier(e) && ++count === n);
      return i >= 0 && i + 1;
    });
    const target = `/api/agents/log-barrier-${n}`;
    await httpRequest(this.apiUrl, { method: "GET", path: target }, API_KEY);
    const at = await until("the barrier's log line", () => this.log().indexOf(`"path":"${target}"`) + 1);
    return { events: events - 1, log: this.log().lastIndexOf("\n", at - 1) + 1 };
  }

  /// The events from `from` to `to`, but the reader's own tool calls.
  eventsBetween(from, to) {
    return this.viewer.events.slice(from.events, to.events)
      .filter((e) => !(e.type === "tool.called" && e.data.client === READER));
  }

  /// The log lines from `from` to `to`, parsed.
  logBetween(from, to) {
    return this.log().slice(from.log, to.log).split("\n").filter(Boolean).map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return { line };
      }
    });
  }

  /// What a refused request must leave as it was, read back with the key:
  /// the agents and their states, the coordinations, the layout's
  /// parameters, the full record and metrics history of the agents in
  /// `watch`, and what the row observes besides (`observe`).
  async state({ watch = [] } = {}, observe) {
    const agents = await this.api("GET", "/api/agents?limit=1000");
    const coordinations = await this.api("GET", "/api/coordinations");
    const records = {};
    for (const a of watch) {
      const metrics = await this.api("GET", `/api/agents/${a.id}/metrics`);
      records[a.name] = { ...(await this.api("GET", `/api/agents/${a.id}`)), history: metrics.history.length };
    }
    return {
      agents: agents.total,
      states: agents.agents.map((a) => `${a.numId} ${a.name} ${a.state}`),
      coordinations: coordinations.coordinations.map((c) => `${c.id} ${c.status}`),
      physics: await this.api("GET", "/api/physics"),
      records,
      observed: observe ? await observe(this) : null,
    };
  }

  /// Whether the agent `numId` sits exactly at `p` in the next keyframe.
  async at(numId, p) {
    const pos = (await this.viewer.nextKeyframe()).get(numId);
    return Boolean(pos) && pos[0] === p.x && pos[1] === p.y && pos[2] === p.z;
  }

  async stop() {
    this.viewer.close();
    await this.node.stop();
  }
}

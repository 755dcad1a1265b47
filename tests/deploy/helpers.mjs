// What the deployment tests share: paths, commands, the parsed compose file,
// and clients that reach the node through the test nginx (run.sh starts it
// and names its ports and files in AV_DEPLOY_* variables).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import YAML from "yaml";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The variable run.sh set; a missing one is a broken harness, not a skip. */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests/deploy/run.sh`);
  return value;
}

/** Runs a command to its end; stdout and stderr as text, never throws. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const readText = (file) => readFileSync(path.resolve(root, file), "utf8");
export const readYaml = (file) => YAML.parse(readText(file));

/** docker-compose.yml as `docker-compose config` resolves it with envFile. */
export function composeConfig(envFile = ".env.example") {
  const r = run("docker-compose", ["--env-file", envFile, "config"]);
  if (r.status !== 0) throw new Error(`docker-compose config: ${r.stderr}`);
  return YAML.parse(r.stdout);
}

/** A service's published ports from `config`: [{ip, published, target}]. */
export function publishedPorts(service) {
  return (service.ports ?? []).map((p) => {
    const m = /^(?:(.+):)?(\d+):(\d+)(?:\/\w+)?$/.exec(String(p));
    if (!m) throw new Error(`cannot read the port ${p}`);
    return { ip: m[1] ?? "", published: Number(m[2]), target: Number(m[3]) };
  });
}

/** A service's bind mounts from `config`: {repository path: container path}. */
export function bindMounts(service) {
  return Object.fromEntries(
    (service.volumes ?? [])
      .map((v) => String(v).split(":"))
      .filter(([source]) => source.startsWith("/"))
      .map(([source, target]) => [path.relative(root, source), target]));
}

/** Polls `probe` until it returns a truthy value, at most `ms`. */
export async function waitFor(what, probe, ms = 30000, every = 250) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// --- Through the test nginx ------------------------------------------------

/** TLS options that verify the proxy's certificate for `localhost`. */
export function tlsOptions() {
  return { ca: readFileSync(env("AV_DEPLOY_CA")), servername: "localhost" };
}

export const httpsPort = () => Number(env("AV_DEPLOY_HTTPS_PORT"));
export const publicOrigin = () => `https://localhost:${httpsPort()}`;

/** One HTTPS request to the proxy; resolves to {status, headers, body}. */
export function request(urlPath, { method = "GET", headers = {}, body, localAddress, port = httpsPort(), tls = tlsOptions() } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method,
        localAddress,
        // A connection per request, closed after it: a kept-alive one would
        // hold the test process until nginx's keepalive_timeout.
        agent: false,
        headers: { Host: `localhost:${port}`, ...headers },
        ...tls,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 10 s`)));
    req.end(body);
  });
}

export const mcpKey = () => readFileSync(path.join(env("AV_DEPLOY_SECRETS"), "mcp_api_key"), "utf8").trim();

/** A JSON-RPC POST to /mcp with the key, from local address `from`
 * (127.0.0.1 by default); resolves to the reply. */
export function mcpPost(message, session, from) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    Authorization: `Bearer ${mcpKey()}`,
  };
  if (session) headers["Mcp-Session-Id"] = session;
  return request("/mcp", { method: "POST", headers, body: JSON.stringify(message), localAddress: from });
}

/** Opens an MCP session (initialize, initialized) from local address
 * `from`; resolves to its id. */
export async function mcpSession(from) {
  const init = await mcpPost({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "deploy-test", version: "1" } },
  }, undefined, from);
  if (init.status !== 200) throw new Error(`initialize: ${init.status} ${init.body}`);
  const session = init.headers["mcp-session-id"];
  const done = await mcpPost({ jsonrpc: "2.0", method: "notifications/initialized" }, session, from);
  if (done.status !== 202) throw new Error(`initialized: ${done.status}`);
  return session;
}

/** Calls an MCP tool in `session`, as request `id`, from local address
 * `from`; resolves to the JSON-RPC answer. */
export async function mcpCall(session, name, args, { id = 2, from } = {}) {
  const r = await mcpPost({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }, session, from);
  if (r.status !== 200) throw new Error(`tools/call ${name}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

/**
 * Opens wss://…/ws through the proxy; resolves to {ws, messages}, where
 * messages collects every message (text parsed, binary as Buffer).
 */
export function openViewer({ origin = publicOrigin() } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort()}/ws`, { origin, ...tlsOptions() });
    const messages = [];
    ws.on("message", (data, isBinary) => messages.push(isBinary ? data : JSON.parse(data.toString())));
    ws.on("open", () => resolve({ ws, messages }));
    ws.on("unexpected-response", (req, res) => {
      // Listening for this event leaves closing the request to us.
      req.destroy();
      reject(Object.assign(new Error(`upgrade answered ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.on("error", reject);
  });
}

/** Closes a viewer and waits for the close handshake. */
export function closeViewer(ws) {
  return new Promise((resolve) => {
    ws.on("close", resolve);
    ws.close(1000);
  });
}

// --- The test Prometheus ---------------------------------------------------

/** GET of the test Prometheus' HTTP API; resolves to its `data`. */
export async function prom(apiPath, params = {}) {
  const url = new URL(`/api/v1/${apiPath}`, env("AV_DEPLOY_PROMETHEUS_URL"));
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url);
  const body = await res.json();
  if (body.status !== "success") throw new Error(`${apiPath} ${JSON.stringify(params)}: ${body.error}`);
  return body.data;
}

/**
 * Makes the node create the series that only traffic creates: an MCP tool
 * call, a WebSocket viewer that closes, HTTP requests (all through nginx).
 */
export async function exerciseNode() {
  const session = await mcpSession();
  const listed = await mcpCall(session, "agent_list", { limit: 1 });
  if (listed.result?.isError) throw new Error(`agent_list: ${JSON.stringify(listed)}`);
  const { ws, messages } = await openViewer();
  ws.send(JSON.stringify({ type: "subscribe" }));
  await waitFor("subscribed", () => messages.find((m) => m.type === "subscribed"), 10000);
  await closeViewer(ws);
}

/** The series Prometheus scraped from the node: name -> set of label names. */
export async function scrapedSeries() {
  const series = await prom("series", { "match[]": '{job="agent-visualizer"}' });
  const names = new Map();
  for (const { __name__: name, ...labels } of series) {
    const set = names.get(name) ?? new Set();
    for (const l of Object.keys(labels)) set.add(l);
    names.set(name, set);
  }
  return names;
}

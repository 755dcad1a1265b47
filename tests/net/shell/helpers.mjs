// What the shell's tests share: running `agent-server shell` against a
// node, and the node's API.
import { execFile, spawn } from "node:child_process";
import { binary, nodeEnv, runNode, sanitizerEnv, until } from "../../node/agent_server.mjs";

export { until };

export const KEY = "shell-test-key-0123456789";

/** A node with an API key and no demo swarm; `extra` overrides. */
export async function startNode(name, extra = {}) {
  return runNode(await nodeEnv({
    NODE_NAME: name, MCP_API_KEY: KEY, RATE_LIMIT_MAX_REQUESTS: "1000000", ...extra,
  }));
}

/** The shell's arguments to reach `node`. */
export function target(node) {
  return ["shell", "--connect", `127.0.0.1:${node.ready.cluster_port}`];
}

/** Runs `agent-server shell -c COMMAND` against `node` (with the key unless
 * `key` says otherwise); resolves to its exit code and output. */
export function shell(node, command, { key = KEY, json = false, args = [] } = {}) {
  const argv = [...target(node), "-c", command, ...args];
  if (key) argv.push("--key", key);
  if (json) argv.push("--json");
  return new Promise((resolve) => {
    execFile(binary, argv, { env: { PATH: process.env.PATH, HOME: "/nonexistent", ...sanitizerEnv }, timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
  });
}

/** `shell --json -c COMMAND`, parsed; fails on a non-zero exit. */
export async function shellJson(node, command, opts = {}) {
  const r = await shell(node, command, { ...opts, json: true });
  if (r.code !== 0) throw new Error(`shell -c "${command}" exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A shell that streams (`trace`, `tail`): its process and what it printed
 * so far. */
export function streaming(node, command, { json = true } = {}) {
  const argv = [...target(node), "--key", KEY, "-c", command];
  if (json) argv.push("--json");
  const proc = spawn(binary, argv, { env: { PATH: process.env.PATH, ...sanitizerEnv }, stdio: ["ignore", "pipe", "pipe"] });
  const out = { text: "", err: "", proc };
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stdout.on("data", (x) => { out.text += x; });
  proc.stderr.on("data", (x) => { out.err += x; });
  out.exited = new Promise((r) => proc.once("exit", (code) => r(code)));
  out.lines = () => out.text.split("\n").filter(Boolean).map((x) => JSON.parse(x));
  return out;
}

/** `method` on `path` of `node`'s API with the key; status and body. */
export async function api(node, method, path, body) {
  const res = await fetch(`${node.apiUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function spawnAgent(node, name, extra = {}) {
  const r = await api(node, "POST", "/api/agents", { type: "coder", name, ...extra });
  if (r.status !== 201) throw new Error(`spawn ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The node's JSON log lines with `msg`. */
export function logged(node, msg) {
  return node.log().split("\n").filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l));
}

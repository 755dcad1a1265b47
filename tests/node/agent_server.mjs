// Runs a real agent-server for the Node test suites (tests/net/mcp,
// tests/net/telemetry/otlp): the build's binary on free loopback ports in
// an environment of its own. No npm dependencies, so any suite imports it.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const binary =
  process.env.AV_BIN ??
  path.join(process.env.AV_BUILD_DIR ?? path.join(root, "build"),
            "runtime/agent-server");

/// A loopback port that was free a moment ago (the settings refuse 0).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(String(port)));
    });
  });
}

/// The sanitizers' settings of the caller (scripts/test --sanitize), for
/// every process a suite starts: where they write their reports.
export const sanitizerEnv = Object.fromEntries(
  ["ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"]
    .filter((k) => process.env[k]).map((k) => [k, process.env[k]]));

/// The environment of a test node: distinct free loopback ports for every
/// listener, JSON logs, two scheduler threads, the CPU layout engine, and
/// nothing of the caller's environment but PATH (no DATABASE_URL,
/// REDIS_URL, MCP_API_KEY or OTEL_* leaks in); then `extra`.
export async function nodeEnv(extra = {}) {
  const ports = new Set();
  while (ports.size < 5) ports.add(await freePort());
  const [api, ws, mcp, metrics, cluster] = [...ports];
  return {
    PATH: process.env.PATH,
    API_PORT: api,
    WS_PORT: ws,
    MCP_PORT: mcp,
    METRICS_PORT: metrics,
    CLUSTER_PORT: cluster,
    BIND_ADDRESS: "127.0.0.1",
    LOG_FORMAT: "json",
    WORKER_THREADS: "2",
    ENABLE_GPU_PHYSICS: "false",
    ...sanitizerEnv,
    ...extra,
  };
}

/// Runs agent-server from the repository's root with `env` until its
/// `node ready` line (20 s at most); resolves to its URLs. `stop()` sends
/// SIGTERM and, after 10 s, SIGKILL. `prefix` runs it through another
/// command (`ip netns exec NS`, which execs it: the pid is the node's), and
/// `host` is where its listeners are reached.
export async function runNode(env, { prefix = [], host = "127.0.0.1" } = {}) {
  const [command, ...args] = [...prefix, binary];
  const proc = spawn(command, args, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (chunk) => { log += chunk; });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`no 'node ready' within 20 s:\n${log}`));
    }, 20000);
    const onData = () => {
      const line = log.split("\n").find((x) => x.includes('"msg":"node ready"'));
      if (!line) return;
      clearTimeout(timer);
      proc.stderr.off("data", onData);
      proc.off("exit", onExit);
      resolve(JSON.parse(line));
    };
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`agent-server exited with ${code}:\n${log}`));
    };
    proc.stderr.on("data", onData);
    proc.once("exit", onExit);
    proc.once("error", onExit);
  });
  return {
    proc,
    ready,
    apiUrl: `http://${host}:${ready.api_port}`,
    mcpUrl: new URL(`http://${host}:${ready.mcp_port}/mcp`),
    wsUrl: `ws://${host}:${ready.ws_port}/ws`,
    metricsUrl: `http://${host}:${ready.metrics_port}/metrics`,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      const kill = setTimeout(() => proc.kill("SIGKILL"), 10000);
      proc.kill("SIGTERM");
      await exited;
      clearTimeout(kill);
    },
  };
}

/// Polls `probe` every 25 ms until it returns a truthy value; resolves to
/// that value, or fails after `ms` naming `what` and the last answer.
export async function until(what, probe, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

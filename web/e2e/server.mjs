// Starts agent-server on free loopback ports and stops it again.

import { spawn } from "node:child_process";
import net from "node:net";

/** A port the kernel just handed out, so (almost certainly) free. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** What the servers started here are called in a cluster (NODE_NAME). */
export const NODE_NAME = "e2e-node";

export async function pickPorts() {
  return { api: await freePort(), ws: await freePort(), mcp: await freePort(), metrics: await freePort(), cluster: await freePort() };
}

/**
 * Runs `bin` with a demo swarm and resolves once it logs "node ready".
 * `ports` is kept, so a restarted server comes back where it was.
 */
export function startServer({ bin, ports, demo = 100, apiKey = "", webRoot, extraArgs = [], timeoutMs = 20_000 }) {
  const origin = `http://127.0.0.1:${ports.api}`;
  const args = [
    "--demo", String(demo), "--bind-address", "127.0.0.1",
    "--api-port", String(ports.api), "--ws-port", String(ports.ws),
    "--mcp-port", String(ports.mcp), "--metrics-port", String(ports.metrics),
    "--cluster-port", String(ports.cluster), "--node-name", NODE_NAME,
    "--prometheus-enabled=false", "--allowed-origins", origin,
    "--rate-limit-max-requests", "100000", "--web-root", webRoot, ...extraArgs,
  ];
  // In memory: every test starts from its own swarm, not from what an
  // earlier test left in a database.
  const env = { ...process.env, API_KEY: apiKey, MCP_API_KEY: apiKey, LOG_LEVEL: "info" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const proc = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`agent-server not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (err) => { clearTimeout(timer); proc.kill("SIGKILL"); reject(err); };
    const onData = (chunk) => {
      output += chunk;
      if (output.includes("node ready")) {
        clearTimeout(timer);
        resolve({
          proc, ports, origin,
          log: () => output,
          stop: () => stopServer(proc),
        });
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", (code) => fail(new Error(`agent-server exited with ${code}:\n${output}`)));
    proc.on("error", fail);
  });
}

export function stopServer(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    proc.once("exit", () => { clearTimeout(kill); resolve(); });
    proc.kill("SIGTERM");
  });
}

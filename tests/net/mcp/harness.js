// Starts a real agent-server on free loopback ports and connects MCP
// clients to it with the official SDK.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
export const binary =
  process.env.AV_BIN ??
  path.join(process.env.AV_BUILD_DIR ?? path.join(root, "build"),
            "runtime/agent-server");
export const key = "test-key-0123456789abcdef";

/// The repository's mcp-config.json with `change` applied, in a scratch file.
export function configFile(change = (c) => c) {
  const base = JSON.parse(
    readFileSync(path.join(root, "config/mcp-config.json"), "utf8"));
  const dir = mkdtempSync(path.join(tmpdir(), "av-mcp-"));
  const file = path.join(dir, "mcp-config.json");
  writeFileSync(file, JSON.stringify(change(base)));
  return file;
}

/// A loopback port that was free a moment ago (the settings refuse 0).
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(String(port)));
    });
  });
}

/// Environment of a node on free ports, quiet, with JSON logs on stderr.
export async function serverEnv(extra = {}) {
  const ports = new Set();
  while (ports.size < 4) ports.add(await freePort());
  const [api, ws, mcp, metrics] = [...ports];
  return {
    PATH: process.env.PATH,
    API_PORT: api,
    WS_PORT: ws,
    MCP_PORT: mcp,
    METRICS_PORT: metrics,
    PROMETHEUS_ENABLED: "false",
    BIND_ADDRESS: "127.0.0.1",
    LOG_FORMAT: "json",
    WORKER_THREADS: "2",
    ENABLE_GPU_PHYSICS: "false",
    MCP_CONFIG: configFile(),
    ...extra,
  };
}

/// Runs agent-server until its `node ready` line; resolves to its ports.
export async function startServer(extra = {}) {
  const proc = spawn(binary, [], {
    env: await serverEnv(extra),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no 'node ready' within 20 s:\n${log}`)), 20000);
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      for (const line of log.split("\n")) {
        if (!line.includes('"msg":"node ready"')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`agent-server exited with ${code}:\n${log}`));
    });
  });
  proc.removeAllListeners("exit");
  return {
    proc,
    ready,
    mcpUrl: new URL(`http://127.0.0.1:${ready.mcp_port}/mcp`),
    apiUrl: `http://127.0.0.1:${ready.api_port}`,
    metricsUrl: `http://127.0.0.1:${ready.metrics_port}/metrics`,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

/// An SDK client connected over Streamable HTTP.
export async function httpClient(server, bearer = key) {
  const headers = bearer ? { Authorization: `Bearer ${bearer}` } : {};
  const transport = new StreamableHTTPClientTransport(server.mcpUrl, {
    requestInit: { headers },
  });
  const client = new Client({ name: "sdk-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

/// An SDK client that launches `agent-server mcp --stdio` itself.
export async function stdioClient(extra = {}) {
  const transport = new StdioClientTransport({
    command: binary,
    args: ["mcp", "--stdio"],
    env: await serverEnv(extra),
    stderr: "pipe",
  });
  const client = new Client({ name: "sdk-stdio-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

/// One raw JSON-RPC POST; returns status, headers and parsed body.
export async function post(server, body, headers = {}) {
  const res = await fetch(server.mcpUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? JSON.parse(text) : null,
  };
}

/// A raw initialize; returns the session id.
export async function initialize(server, headers = {}) {
  const res = await post(
    server,
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" },
      },
    },
    headers);
  return { res, session: res.headers.get("mcp-session-id") };
}

// Starts a real agent-server on free loopback ports and connects MCP
// clients to it with the official SDK.
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { binary, nodeEnv, root, runNode } from "../../node/agent_server.mjs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export { binary };
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

/// Environment of a node on free ports, quiet, with JSON logs on stderr.
export async function serverEnv(extra = {}) {
  return nodeEnv({ PROMETHEUS_ENABLED: "false", MCP_CONFIG: configFile(), ...extra });
}

/// Runs agent-server until its `node ready` line.
export async function startServer(extra = {}) {
  return runNode(await serverEnv(extra));
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

// tools/call latency (sequential) and throughput (concurrent) through the
// official MCP SDK client over loopback HTTP.
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setMaxListeners } from "node:events";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values: opt } = parseArgs({
  options: {
    help: { type: "boolean", short: "h" },
    binary: { type: "string", default: path.join(root, "build/runtime/agent-server") },
    url: { type: "string" },
    agents: { type: "string", default: "200" },
    calls: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "32" },
    warmup: { type: "string", default: "200" },
    only: { type: "string" },
  },
});

if (opt.help) {
  console.log(`usage: node bench/mcp/bench.mjs [options]

Needs the SDK of the client tests: (cd tests/mcp && npm ci).

Measures tools/call through the MCP SDK client on loopback: p50/p99 latency
of sequential calls, and calls/s with --concurrency calls in flight, for
agent_list (over --agents agents), agent_spawn, and memory_usage store and
retrieve. Starts build/runtime/agent-server on free ports (rate limit off)
unless --url names a running node. Ends with one JSON object per line:
{"bench", "params", "value", "unit"}.

  --binary PATH       agent-server to start (default build/runtime/agent-server)
  --url URL           use a running node's /mcp instead (its rate limit applies)
  --agents N          agents present for agent_list (default 200)
  --calls N           calls per measurement (default 2000)
  --concurrency N     calls in flight for the throughput runs (default 32)
  --warmup N          calls before each measurement (default 200)
  --only NAME         agent_list, agent_spawn, memory_store or memory_retrieve
  -h, --help          this text`);
  process.exit(0);
}

// The SDK adds an abort listener per request to one signal and keeps them:
// its warning would repeat once per call.
setMaxListeners(1e6);
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "MaxListenersExceededWarning") console.warn(w);
});

const agents = Number(opt.agents);
const calls = Number(opt.calls);
const concurrency = Number(opt.concurrency);
const warmup = Number(opt.warmup);

/// A node with the hooks a deployment runs, less the rate limit this load
/// would hit, and room for the agents spawned.
async function startNode(harness) {
  return harness.startServer({
    MAX_AGENTS: "1000000",
    PROMETHEUS_ENABLED: "true",
    MCP_CONFIG: harness.configFile((c) => {
      for (const t of ["agent_spawn", "agent_list", "memory_usage"])
        c.tools[t] = { ...c.tools[t], maxConcurrent: 1000 };
      c.hooks.preExecution = c.hooks.preExecution.filter((h) => h.name !== "rate-limit");
      return c;
    }),
  });
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function callOk(client, name, args) {
  const res = await client.callTool({ name, arguments: args });
  if (res.isError) throw new Error(`${name}: ${res.content[0].text}`);
}

async function sequential(client, name, args) {
  for (let i = 0; i < warmup; i++) await callOk(client, name, args(i));
  const ms = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await callOk(client, name, args(warmup + i));
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
}

async function concurrent(client, name, args) {
  let next = 0;
  const worker = async () => {
    while (next < calls) await callOk(client, name, args(next++));
  };
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return calls / (Number(process.hrtime.bigint() - t) / 1e9);
}

// The test harness brings the SDK (tests/mcp: npm ci) and starts nodes.
process.env.AV_BIN = opt.binary;
const harness = await import("../../tests/mcp/harness.js");
const node = opt.url ? null : await startNode(harness);
const { client } = await harness.httpClient(
  node ?? { mcpUrl: new URL(opt.url) }, node ? null : process.env.MCP_API_KEY);

for (let made = 0; made < agents; made += 100)
  await callOk(client, "agent_spawn", { type: "bench", count: Math.min(100, agents - made) });

const cases = {
  agent_list: [() => ({ limit: 1000 }), { agents }],
  agent_spawn: [() => ({ type: "spawned" }), {}],
  memory_store: [(i) => ({ action: "store", namespace: "bench", key: `k${i % 1000}`, value: "v".repeat(100) }), { valueBytes: 100 }],
  memory_retrieve: [(i) => ({ action: "retrieve", namespace: "bench", key: `k${i % 1000}` }), { valueBytes: 100 }],
};
const lines = [];
for (const [label, [args, extra]] of Object.entries(cases)) {
  if (opt.only && opt.only !== label) continue;
  const tool = label.startsWith("memory") ? "memory_usage" : label;
  const lat = await sequential(client, tool, args);
  const rate = await concurrent(client, tool, args);
  console.log(`${label.padEnd(16)} p50 ${lat.p50.toFixed(3)} ms  p99 ${lat.p99.toFixed(3)} ms  ` +
              `${rate.toFixed(0)} calls/s at concurrency ${concurrency}`);
  const params = { calls, ...extra };
  lines.push({ bench: `mcp.${label}.p50`, params, value: lat.p50, unit: "ms" });
  lines.push({ bench: `mcp.${label}.p99`, params, value: lat.p99, unit: "ms" });
  lines.push({ bench: `mcp.${label}.throughput`, params: { ...params, concurrency }, value: rate, unit: "calls/s" });
}
console.log(`# ${cpus().length} CPUs (${cpus()[0].model}), node ${process.version}, ${new Date().toISOString()}`);
for (const x of lines) console.log(JSON.stringify(x));
await client.close();
await node?.stop();

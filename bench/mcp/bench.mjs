// tools/call latency (sequential) and throughput (concurrent) through the
// official MCP SDK client over loopback HTTP.
import { cpus, loadavg } from "node:os";
import { execFileSync, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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
    clients: { type: "string", default: "1" },
    threads: { type: "string", default: "2" },
    client: { type: "string", default: "sdk" },
    worker: { type: "boolean" },
  },
});

if (opt.help) {
  console.log(`usage: node bench/mcp/bench.mjs [options]

Needs the SDK of the client tests: (cd tests/net/mcp && npm ci).

Measures tools/call through the MCP SDK client on loopback: p50/p99 latency
of sequential calls, and calls/s with --concurrency calls in flight, for
agent_list (over --agents agents), agent_spawn, and memory_usage store and
retrieve. Starts build/runtime/agent-server on free ports (rate limit off)
unless --url names a running node. Around each throughput run it reads the
CPU time (user + system) of the node it started (/proc/PID/stat) and of this
client process, and prints both per call: what a call costs each side; and
the node's context switches per call (/proc/PID/task/*/status), which count
the hand-overs between its threads.
Ends with one JSON object per line: {"bench", "params", "value", "unit"}.

  --binary PATH       agent-server to start (default build/runtime/agent-server)
  --url URL           use a running node's /mcp instead (its rate limit applies)
  --agents N          agents present for agent_list (default 200)
  --calls N           calls per measurement (default 2000)
  --concurrency N     calls in flight for the throughput runs (default 32)
  --warmup N          calls before each measurement (default 200)
  --only NAME         agent_list, agent_spawn, memory_store or memory_retrieve
  --clients N         client processes sharing the --concurrency calls of the
                      throughput runs (default 1): more than one shows whether
                      a single Node.js client is the limit
  --threads N         the started node's WORKER_THREADS (default 2)
  --client KIND       sdk (default) or fetch: plain fetch POSTs of the same
                      JSON-RPC, no SDK, to measure the client's share
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
const clients = Number(opt.clients);
for (const [name, x] of [["agents", agents], ["calls", calls], ["concurrency", concurrency],
                         ["warmup", warmup], ["clients", clients], ["threads", Number(opt.threads)]])
  if (!Number.isInteger(x) || x < (name === "warmup" || name === "agents" ? 0 : 1)) {
    console.error(`--${name}: expected a whole number, got ${opt[name]}`);
    process.exit(2);
  }
if (!["sdk", "fetch"].includes(opt.client)) {
  console.error(`--client: expected sdk or fetch, got ${opt.client}`);
  process.exit(2);
}
if (clients > concurrency) {
  console.error(`--clients: at most --concurrency (${concurrency}) processes`);
  process.exit(2);
}

/// A node with the hooks a deployment runs, less the rate limit this load
/// would hit, and room for the agents spawned.
async function startNode(harness) {
  return harness.startServer({
    MAX_AGENTS: "1000000",
    WORKER_THREADS: opt.threads,
    PROMETHEUS_ENABLED: "true",
    MCP_CONFIG: harness.configFile((c) => {
      for (const t of ["agent_spawn", "agent_list", "memory_usage"])
        c.tools[t] = { ...c.tools[t], maxConcurrent: 1000 };
      c.hooks.preExecution = c.hooks.preExecution.filter((h) => h.name !== "rate-limit");
      return c;
    }),
  });
}

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString());

/// CPU seconds (user + system) a process has used so far.
function cpuSeconds(pid) {
  // The command name is in parentheses and may hold spaces: count after it.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/// Context switches of all a process's threads so far: each hand-over of a
/// call from one thread to another costs at least one.
function switches(pid) {
  let n = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let status;
    try {
      status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) n += Number(m[1]);
  }
  return n;
}

/// Runs `f` and returns its result with the CPU µs per call that the node
/// (when started here) and this client process spent meanwhile, and the
/// node's context switches per call.
async function measured(f, pid) {
  const server0 = pid ? cpuSeconds(pid) : 0;
  const switches0 = pid ? switches(pid) : 0;
  const client0 = process.cpuUsage();
  const result = await f();
  const client = process.cpuUsage(client0);
  return {
    result,
    serverUs: pid ? ((cpuSeconds(pid) - server0) * 1e6) / calls : null,
    serverSwitches: pid ? (switches(pid) - switches0) / calls : null,
    clientUs: (client.user + client.system) / calls,
  };
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

/// `total` calls, `inFlight` at a time; returns the seconds taken.
async function concurrent(client, name, args, total, inFlight) {
  let next = 0;
  const worker = async () => {
    while (next < total) await callOk(client, name, args(next++));
  };
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/// The same calls as plain fetch POSTs: what the transport costs without
/// the SDK's schema checks and bookkeeping.
async function fetchClient(url, bearer) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
  };
  const rpc = async (body, extra = {}) => {
    const res = await fetch(url, { method: "POST", headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    return { res, body: await res.json() };
  };
  const init = await rpc({ jsonrpc: "2.0", id: 0, method: "initialize", params: {
    protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench-fetch", version: "0" } } });
  const session = { "Mcp-Session-Id": init.res.headers.get("mcp-session-id"), "MCP-Protocol-Version": "2025-11-25" };
  let id = 1;
  return {
    async callTool(params) {
      const { body } = await rpc({ jsonrpc: "2.0", id: id++, method: "tools/call", params }, session);
      if (body.error) throw new Error(body.error.message);
      return body.result;
    },
    async close() {
      await fetch(url, { method: "DELETE", headers: { ...headers, ...session } });
    },
  };
}

async function connect(harness, url, bearer) {
  if (opt.client === "fetch") return fetchClient(url, bearer);
  return (await harness.httpClient({ mcpUrl: new URL(url) }, bearer)).client;
}

/// Throughput with the calls shared among `clients` processes, each with
/// its own client; all start together and the clock stops at the last.
async function acrossProcesses(url, label) {
  const share = (n, i) => Math.floor(n / clients) + (i < n % clients ? 1 : 0);
  const workers = Array.from({ length: clients }, (_, i) => fork(
    fileURLToPath(import.meta.url),
    ["--worker", "--url", url, "--only", label, "--client", opt.client,
     "--calls", String(share(calls, i)), "--concurrency", String(share(concurrency, i)),
     "--warmup", String(Math.ceil(warmup / clients))],
    { env: { ...process.env, MCP_API_KEY: bearer ?? "" } }));
  const message = (w) => new Promise((resolve, reject) => {
    w.once("message", resolve);
    w.once("exit", (code) => reject(new Error(`a client process exited with ${code}`)));
  });
  await Promise.all(workers.map(message));
  const t = process.hrtime.bigint();
  const done = Promise.all(workers.map(message));
  for (const w of workers) w.send("go");
  await done;
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  for (const w of workers) w.kill();
  return calls / seconds;
}

// The test harness brings the SDK (tests/net/mcp: npm ci) and starts nodes.
process.env.AV_BIN = opt.binary;
const harness = await import("../../tests/net/mcp/harness.js");

const cases = {
  agent_list: [() => ({ limit: 1000 }), { agents }],
  agent_spawn: [() => ({ type: "spawned" }), {}],
  memory_store: [(i) => ({ action: "store", namespace: "bench", key: `k${i % 1000}`, value: "v".repeat(100) }), { valueBytes: 100 }],
  memory_retrieve: [(i) => ({ action: "retrieve", namespace: "bench", key: `k${i % 1000}` }), { valueBytes: 100 }],
};
const toolOf = (label) => (label.startsWith("memory") ? "memory_usage" : label);

if (opt.worker) {
  // One client process of acrossProcesses: warm up, say ready, run on "go".
  const client = await connect(harness, opt.url, process.env.MCP_API_KEY);
  const [args] = cases[opt.only];
  for (let i = 0; i < warmup; i++) await callOk(client, toolOf(opt.only), args(i));
  process.send("ready");
  await new Promise((r) => process.once("message", r));
  await concurrent(client, toolOf(opt.only), args, calls, concurrency);
  process.send("done");
  await new Promise(() => {});
}

const node = opt.url ? null : await startNode(harness);
const url = opt.url ?? node.mcpUrl.href;
const bearer = node ? null : process.env.MCP_API_KEY;
const client = await connect(harness, url, bearer);

for (let made = 0; made < agents; made += 100)
  await callOk(client, "agent_spawn", { type: "bench", count: Math.min(100, agents - made) });

const lines = [];
for (const [label, [args, extra]] of Object.entries(cases)) {
  if (opt.only && opt.only !== label) continue;
  const tool = toolOf(label);
  const lat = await sequential(client, tool, args);
  const run = await measured(async () => clients > 1
    ? acrossProcesses(url, label)
    : calls / await concurrent(client, tool, args, calls, concurrency), node?.proc.pid);
  const rate = run.result;
  // With several client processes this one only waits: its CPU says nothing.
  const clientUs = clients > 1 ? null : run.clientUs;
  console.log(`${label.padEnd(16)} p50 ${lat.p50.toFixed(3)} ms  p99 ${lat.p99.toFixed(3)} ms  ` +
              `${rate.toFixed(0)} calls/s at concurrency ${concurrency} over ${clients} client process(es)` +
              (run.serverUs === null ? "" : `  server ${run.serverUs.toFixed(0)} µs/call ` +
                                            `${run.serverSwitches.toFixed(2)} switches/call`) +
              (clientUs === null ? "" : `  client ${clientUs.toFixed(0)} µs/call`));
  const params = { calls, client: opt.client, clients, ...extra };
  lines.push({ bench: `mcp.${label}.p50`, params, value: lat.p50, unit: "ms" });
  lines.push({ bench: `mcp.${label}.p99`, params, value: lat.p99, unit: "ms" });
  lines.push({ bench: `mcp.${label}.throughput`, params: { ...params, concurrency }, value: rate, unit: "calls/s" });
  if (run.serverUs !== null)
    lines.push({ bench: `mcp.${label}.server_cpu`, params: { ...params, concurrency }, value: run.serverUs, unit: "us/call" });
  if (run.serverSwitches !== null)
    lines.push({ bench: `mcp.${label}.server_switches`, params: { ...params, concurrency }, value: run.serverSwitches, unit: "switches/call" });
  if (clientUs !== null)
    lines.push({ bench: `mcp.${label}.client_cpu`, params: { ...params, concurrency }, value: clientUs, unit: "us/call" });
}
console.log(`# ${cpus().length} CPUs (${cpus()[0].model}), node ${process.version}, ` +
            `load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}, ${new Date().toISOString()}`);
for (const x of lines) console.log(JSON.stringify(x));
await client.close();
await node?.stop();

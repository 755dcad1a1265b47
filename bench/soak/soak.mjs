// The chaos soak (docs/performance.md, "Chaos soak"): a demo swarm under
// steady load from WebSocket viewers, MCP clients and REST writes while
// PostgreSQL is stopped and started, Redis is restarted empty and the node
// is killed with -9 and started again. Every operation is recorded with its
// answer; afterwards the history is checked against PostgreSQL and Redis.
// Run through bench/soak/run, which starts the throwaway servers.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { nodeEnv, root, runNode, until } from "../../tests/node/agent_server.mjs";

const WebSocket = createRequire(path.join(root, "bench/node/package.json"))("ws");

const { values: opt } = parseArgs({
  options: {
    help: { type: "boolean", short: "h" },
    minutes: { type: "string", default: "10" },
    agents: { type: "string", default: "2000" },
    viewers: { type: "string", default: "300" },
    "checked-viewers": { type: "string", default: "3" },
    "mcp-clients": { type: "string", default: "4" },
    rate: { type: "string", default: "40" },
    "pg-down": { type: "string", default: "20" },
    "rss-limit": { type: "string", default: "2048" },
  },
});

if (opt.help) {
  console.log(`usage: bench/soak/run [options]

Starts throwaway PostgreSQL and Redis servers, then agent-server (the
build's, or AV_BUILD_DIR's: a sanitized build reports into its sanitizer
folder) with a demo swarm, and for --minutes keeps it busy:
  --viewers WebSocket viewers at 2 frames/s; all but --checked-viewers
  take only agent.spawned/agent.terminated/message.sent events of 50
  agents (their seq must rise), the checked ones every event of every
  agent (their seq must have no gap unless a resync came); one of the
  others stops reading at the start;
  --mcp-clients MCP clients calling agent_list and agent_spawn in turn;
  REST writes at --rate a second in all: messages between demo agents
  (each with a text of its own), spawns and terminations, tasks, metrics.
Meanwhile, at fixed points of the run: PostgreSQL stopped for --pg-down
seconds and started; Redis stopped and started empty; the node killed
with -9 and started again on the same database.
Afterwards, once /health is 200: every acknowledged message, spawn and
termination (REST and MCP) must be in PostgreSQL, every agent alive at the
end in Redis (agent:{id}), no checked viewer may have a gap without a
resync, no viewer a seq that goes back, the node's resident memory must
stay under --rss-limit MiB, and the node must not have crashed except by
the kill.

  --minutes N          length of the load (default 10)
  --agents N           demo agents (default 2000)
  --viewers N          WebSocket viewers (default 300)
  --checked-viewers N  of those, viewers of every event (default 3)
  --mcp-clients N      MCP clients (default 4)
  --rate N             REST writes per second (default 40)
  --pg-down S          seconds PostgreSQL stays down (default 20)
  --rss-limit MIB      bound of the node's resident memory (default 2048)
  -h, --help           this text

Exits 1 when a check fails. Ends with JSON lines: {"bench", "params",
"value", "unit"}.`);
  process.exit(0);
}

const minutes = Number(opt.minutes);
const params = {
  minutes, agents: Number(opt.agents), viewers: Number(opt.viewers),
  checkedViewers: Number(opt["checked-viewers"]), mcpClients: Number(opt["mcp-clients"]),
  rate: Number(opt.rate), pgDownS: Number(opt["pg-down"]),
};
const pgCtl = process.env.AV_SOAK_PG_CTL;
const redisCtl = process.env.AV_SOAK_REDIS_CTL;
if (!process.env.DATABASE_URL || !process.env.REDIS_URL || !pgCtl || !redisCtl) {
  console.error("soak: run it through bench/soak/run (it starts PostgreSQL and Redis)");
  process.exit(2);
}

const t0 = performance.now();
const clock = () => ((performance.now() - t0) / 1000).toFixed(1);
const say = (text) => console.log(`[${clock()} s] ${text}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// -- the node ------------------------------------------------------------------

const maxVisible = 1000000;
const env = await nodeEnv({
  MAX_VISIBLE_AGENTS: String(maxVisible),
  DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL, AUTO_MIGRATE: "true",
  DEMO_AGENTS: String(params.agents), MAX_AGENTS: String(params.agents * 3 + 1000),
  RATE_LIMIT_MAX_REQUESTS: "10000000", PHYSICS_UPDATE_RATE: "20",
});
let node = await runNode(env);
const crashes = [];
let killed = false;
const watchExit = (n) => n.proc.once("exit", (code, signal) => {
  if (!(killed && signal === "SIGKILL") && !stopping) crashes.push({ code, signal, log: n.log().slice(-4000) });
});
let stopping = false;
watchExit(node);
say(`agent-server up (pid ${node.proc.pid}), ${params.agents} demo agents`);

let maxRss = 0;
const rssTimer = setInterval(() => {
  try {
    const m = readFileSync(`/proc/${node.proc.pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    if (m) maxRss = Math.max(maxRss, Number(m[1]) / 1024);
  } catch { /* between a kill and the restart */ }
}, 1000);

// -- the history ---------------------------------------------------------------

/** Every operation: what, when sent and answered, the status, and what to
 * look for in the stores when it was acknowledged. */
const history = [];
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(method, p, body) {
  const data = body === undefined ? "" : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(`${node.apiUrl}${p}`, {
      agent: httpAgent, method, timeout: 40000,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { text += c; });
      res.on("end", () => {
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, error: e.message }));
    req.end(data);
  });
}

async function op(kind, method, p, body, key) {
  const entry = { kind, sent: performance.now(), key };
  history.push(entry);
  const res = await request(method, p, body);
  entry.answered = performance.now();
  entry.status = res.status;
  entry.acked = res.status >= 200 && res.status < 300;
  return { entry, res };
}

// -- load ----------------------------------------------------------------------

const demo = [];
async function refreshDemo() {
  const res = await request("GET", "/api/agents?limit=500&state=IDLE");
  if (res.status === 200) demo.splice(0, demo.length, ...res.body.agents.map((a) => a.id));
}
await until("the demo swarm listed", async () => {
  await refreshDemo();
  return demo.length > 10;
}, 60000);

const spawned = [];
let seqNo = 0;
const writes = [
  [10, async () => {
    const text = `soak-${++seqNo}`;
    const from = demo[seqNo % demo.length];
    const to = demo[(seqNo * 7 + 3) % demo.length];
    await op("message", "POST", "/api/messages", { from, to, type: "request", content: text }, text);
  }],
  [2, async () => {
    const { entry, res } = await op("spawn", "POST", "/api/agents", { type: "tester", name: `soak-agent-${++seqNo}` });
    if (entry.acked) {
      entry.key = res.body.id;
      spawned.push(res.body.id);
    }
  }],
  [1, async () => {
    const id = spawned.shift();
    if (id) await op("terminate", "DELETE", `/api/agents/${id}?reason=soak`, undefined, id);
  }],
  [4, async () => {
    const id = demo[++seqNo % demo.length];
    await op("task", "POST", `/api/agents/${id}/tasks`, { description: "soak task", simulatedMs: 50 });
  }],
  [3, async () => {
    const id = demo[++seqNo % demo.length];
    await op("metrics", "POST", `/api/agents/${id}/metrics`,
      { tasksCompleted: seqNo, successRate: 0.9, averageResponseTime: 120, resourceUtilization: 0.4 });
  }],
];
const weights = writes.reduce((s, [w]) => s + w, 0);
let loadOn = true;
const pending = new Set();
async function restLoad() {
  const interval = 1000 / params.rate;
  let next = performance.now();
  let k = 0;
  while (loadOn) {
    next += interval;
    let pick = k++ % weights;
    const [, write] = writes.find(([w]) => (pick -= w) < 0);
    const p = write().catch(() => {});
    pending.add(p);
    p.finally(() => pending.delete(p));
    // Requests in flight are bounded: an outage answers late, not never.
    while (pending.size > 200) await Promise.race(pending);
    await sleep(Math.max(0, next - performance.now()));
  }
}

// MCP clients: raw JSON-RPC over Streamable HTTP (POST /mcp), one session each.
async function mcpCall(session, method, rpcParams, id) {
  const res = await fetch(node.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json", accept: "application/json, text/event-stream",
      ...(session.id ? { "mcp-session-id": session.id, "mcp-protocol-version": "2025-06-18" } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params: rpcParams }),
    signal: AbortSignal.timeout(40000),
  });
  const sid = res.headers.get("mcp-session-id");
  if (sid) session.id = sid;
  const text = await res.text();
  const data = text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data: "))?.slice(6);
  return { status: res.status, body: data ? JSON.parse(data) : null };
}

async function mcpClient(n) {
  const session = {};
  let id = 0;
  while (loadOn) {
    try {
      if (!session.id) {
        await mcpCall(session, "initialize", {
          protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: `soak-${n}`, version: "1" },
        }, ++id);
        continue;
      }
      const spawn = id % 2 === 0;
      const entry = { kind: spawn ? "mcp_spawn" : "mcp_list", sent: performance.now() };
      history.push(entry);
      const res = await mcpCall(session, "tools/call", spawn
        ? { name: "agent_spawn", arguments: { type: "reviewer", name: `soak-mcp-${n}-${id}` } }
        : { name: "agent_list", arguments: { limit: 20 } }, ++id);
      entry.answered = performance.now();
      entry.status = res.status;
      const result = res.body?.result;
      entry.acked = res.status === 200 && result && !result.isError;
      // A tool's refusal comes in a 200 answer.
      if (result?.isError) entry.status = 409;
      if (entry.acked && spawn) entry.key = JSON.parse(result.content[0].text).id;
      if (res.status === 404) session.id = undefined; // the node restarted
    } catch {
      session.id = undefined;
      await sleep(500);
    }
    await sleep(500);
  }
}

// -- viewers -------------------------------------------------------------------

const viewerStats = { events: 0, gaps: 0, backwards: 0, resyncs: 0, reconnects: 0, gapSamples: [] };
const viewers = [];
function viewer(i) {
  const checked = i < params.checkedViewers;
  const stalled = i === params.checkedViewers; // stops reading at once
  const v = { checked, stalled, last: null, open: true };
  const connect = () => {
    if (!v.open) return;
    const ws = new WebSocket(node.wsUrl, { perMessageDeflate: false });
    v.ws = ws;
    ws.on("open", () => {
      // A checked viewer sees every agent (maxAgents would hide the events
      // of those beyond it); the others a few, for cheap frames.
      ws.send(JSON.stringify(checked ? { type: "subscribe", fps: 2, maxAgents: maxVisible }
        : { type: "subscribe", fps: 2, maxAgents: 50, events: ["agent.spawned", "agent.terminated", "message.sent"] }));
      if (stalled) ws._socket.pause();
    });
    ws.on("message", (data, binary) => {
      if (binary) return;
      const msg = JSON.parse(data.toString());
      if (msg.type === "subscribed" || msg.type === "resync") {
        if (msg.type === "resync") ++viewerStats.resyncs;
        v.last = msg.seq;
        return;
      }
      for (const ev of Array.isArray(msg) ? msg : [msg]) {
        if (typeof ev.seq !== "number") continue;
        ++viewerStats.events;
        if (v.last !== null) {
          if (ev.seq <= v.last) ++viewerStats.backwards;
          else if (checked && ev.seq !== v.last + 1) {
            ++viewerStats.gaps;
            if (viewerStats.gapSamples.length < 5) viewerStats.gapSamples.push([v.last, v.lastType, ev.seq, ev.type]);
          }
        }
        v.last = ev.seq;
        v.lastType = ev.type;
      }
    });
    ws.on("error", () => {});
    ws.on("close", () => {
      v.last = null;
      if (v.open) {
        ++viewerStats.reconnects;
        setTimeout(connect, 1000);
      }
    });
  };
  connect();
  return v;
}
for (let i = 0; i < params.viewers; ++i) viewers.push(viewer(i));

// -- chaos ---------------------------------------------------------------------

const recovery = {};
async function storesUp() {
  const h = await request("GET", "/health");
  return h.status === 200 ? h : false;
}

async function chaos() {
  const span = minutes * 60000;
  const at = async (fraction) => {
    const wait = t0 + fraction * span - performance.now();
    if (wait > 0) await sleep(wait);
  };
  await at(0.15);
  say("PostgreSQL stopped");
  execFileSync(pgCtl, ["stop"], { stdio: "ignore" });
  await sleep(params.pgDownS * 1000);
  execFileSync(pgCtl, ["start"], { stdio: "ignore" });
  let t = performance.now();
  say("PostgreSQL started");
  await until("/health 200 after PostgreSQL came back", storesUp, 120000);
  recovery.postgres_s = (performance.now() - t) / 1000;
  say(`node healthy again after ${recovery.postgres_s.toFixed(1)} s`);

  await at(0.4);
  say("Redis stopped");
  execFileSync(redisCtl, ["stop"], { stdio: "ignore" });
  await sleep(5000);
  execFileSync(redisCtl, ["start"], { stdio: "ignore" });
  t = performance.now();
  say("Redis started empty");
  await until("/health 200 after Redis came back", storesUp, 120000);
  recovery.redis_s = (performance.now() - t) / 1000;
  say(`node healthy again after ${recovery.redis_s.toFixed(1)} s`);

  await at(0.6);
  say(`node killed with -9 (pid ${node.proc.pid})`);
  killed = true;
  const exited = new Promise((r) => node.proc.once("exit", r));
  node.proc.kill("SIGKILL");
  await exited;
  t = performance.now();
  node = await runNode(env);
  killed = false;
  watchExit(node);
  await until("/health 200 after the restart", storesUp, 120000);
  recovery.restart_s = (performance.now() - t) / 1000;
  say(`node restarted (pid ${node.proc.pid}), healthy after ${recovery.restart_s.toFixed(1)} s`);
  await refreshDemo();
}

const load = [restLoad(), ...Array.from({ length: params.mcpClients }, (_, n) => mcpClient(n))];
const chaosDone = chaos();
await sleep(minutes * 60000);
await chaosDone;
loadOn = false;
await Promise.all(load);
await Promise.all(pending);
say("load stopped; waiting for the stores to settle");
await until("/health 200 at the end", storesUp, 120000);
// Everything published has been written once the node says so: a spawn
// waits for the writer to commit all that came before it.
await request("POST", "/api/agents", { type: "tester", name: "soak-last" });
for (const v of viewers) {
  v.open = false;
  v.ws?.terminate();
}
clearInterval(rssTimer);

// -- checks --------------------------------------------------------------------

const psql = (sql) => execFileSync("psql", ["-tAq", process.env.DATABASE_URL, "-c", sql], { encoding: "utf8" })
  .split("\n").filter(Boolean);
const acked = (kind) => history.filter((x) => x.kind === kind && x.acked && x.key);
const storedTexts = new Set(psql("SELECT content->>'text' FROM messages WHERE content->>'text' LIKE 'soak-%'"));
const agentRows = new Map(psql("SELECT id || ' ' || state FROM agents").map((l) => l.split(" ")));
const lost = {
  message: acked("message").filter((x) => !storedTexts.has(x.key)).map((x) => x.key),
  spawn: [...acked("spawn"), ...acked("mcp_spawn")].filter((x) => !agentRows.has(x.key)).map((x) => x.key),
  terminate: acked("terminate").filter((x) => agentRows.get(x.key) !== "TERMINATED").map((x) => x.key),
};
const alive = [...agentRows].filter(([, state]) => state !== "TERMINATED").map(([id]) => id);
const redisOut = execFileSync("redis-cli", ["-u", process.env.REDIS_URL], {
  input: alive.map((id) => `EXISTS agent:${id}`).join("\n") + "\n", encoding: "utf8",
}).split("\n").filter(Boolean);
const missingInRedis = alive.filter((_, i) => redisOut[i] !== "1");
stopping = true;
await node.stop();

const count = (pred) => history.filter(pred).length;
const ackedCount = count((x) => x.acked);
const lostCount = lost.message.length + lost.spawn.length + lost.terminate.length;
const byKind = {};
for (const x of history) {
  const k = (byKind[x.kind] ??= { sent: 0, acked: 0, refused: 0, failed: 0, codes: {} });
  ++k.sent;
  if (x.acked) ++k.acked;
  else if (x.status >= 400) {
    ++k.refused;
    k.codes[x.status] = (k.codes[x.status] ?? 0) + 1;
  } else ++k.failed;
}
console.log("\noperations by kind (sent / acknowledged / refused with a status (MCP tool errors as 409) / no answer):");
for (const [k, v] of Object.entries(byKind))
  console.log(`  ${k.padEnd(10)} ${v.sent} / ${v.acked} / ${v.refused} ${JSON.stringify(v.codes)} / ${v.failed}`);
console.log(`viewers: ${viewerStats.events} events, ${viewerStats.resyncs} resyncs, ${viewerStats.reconnects} reconnects, ` +
  `${viewerStats.gaps} gaps without a resync on checked viewers ${JSON.stringify(viewerStats.gapSamples)}, ${viewerStats.backwards} seqs going back`);
console.log(`acknowledged writes lost: ${lostCount} ${JSON.stringify(lost).slice(0, 400)}`);
console.log(`agents alive at the end: ${alive.length}, missing in Redis: ${missingInRedis.length}`);
console.log(`max resident memory: ${maxRss.toFixed(0)} MiB (limit ${opt["rss-limit"]})`);
console.log(`recovery: ${JSON.stringify(recovery)}`);
console.log(`crashes: ${crashes.length}${crashes.length ? "\n" + crashes.map((c) => c.log).join("\n---\n") : ""}`);

const failures = [];
if (lostCount > 0) failures.push(`${lostCount} acknowledged writes lost`);
if (missingInRedis.length > 0) failures.push(`${missingInRedis.length} agents missing in Redis`);
if (viewerStats.gaps > 0) failures.push(`${viewerStats.gaps} gaps without a resync`);
if (viewerStats.backwards > 0) failures.push(`${viewerStats.backwards} seqs going back`);
if (maxRss > Number(opt["rss-limit"])) failures.push(`resident memory ${maxRss.toFixed(0)} MiB over the limit`);
if (crashes.length > 0) failures.push(`${crashes.length} crashes`);
if (ackedCount === 0) failures.push("nothing was acknowledged");
console.log(failures.length ? `FAILED: ${failures.join("; ")}` : "all checks passed");

const result = (name, value, unit) =>
  console.log(JSON.stringify({ bench: `soak_${name}`, params, value, unit }));
result("operations", history.length, "operations");
result("acknowledged", ackedCount, "operations");
result("lost", lostCount, "operations");
result("max_rss", Math.round(maxRss), "MiB");
for (const [k, v] of Object.entries(recovery)) result(`recovery_${k.replace(/_s$/, "")}`, Number(v.toFixed(2)), "s");
result("viewer_gaps", viewerStats.gaps, "gaps");
result("crashes", crashes.length, "crashes");
process.exit(failures.length ? 1 : 0);

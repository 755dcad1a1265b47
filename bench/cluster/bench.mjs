// The cluster's figures (docs/cluster.md; results in docs/performance.md,
// "Cluster"): agent messages per second between two nodes against bare CAF
// ping-pong between two processes; how long an event on node A takes to
// reach a WebSocket viewer on node C, against a viewer on A itself in the
// same run; and what a big swarm costs: memory per agent on each node, and
// the time a new node takes to learn the whole swarm. Real agent-server
// processes on loopback.
import { execFileSync } from "node:child_process";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { once } from "node:events";
import path from "node:path";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { nodeEnv, root, runNode, until } from "../../tests/node/agent_server.mjs";

const WebSocket = createRequire(path.join(root, "bench/node/package.json"))("ws");

const { values: opt } = parseArgs({
  options: {
    help: { type: "boolean", short: "h" },
    only: { type: "string" },
    pairs: { type: "string", default: "16" },
    conversations: { type: "string", default: "128" },
    repeat: { type: "string", default: "3" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    agents: { type: "string", default: "30000" },
    concurrency: { type: "string", default: "32" },
    threads: { type: "string", default: "2" },
  },
});

if (opt.help) {
  console.log(`usage: node bench/cluster/bench.mjs [options]

Needs agent-server and build/bench/actor_throughput built (AV_BUILD_DIR
for another build folder) and \`npm ci\` in bench/node (for ws).

messages: nodes a and b; --pairs simulated agents on each, and each pair
  holds --conversations conversations of 101 messages (a message from a's
  agent with a reply budget of 100, then answers back and forth), started
  --concurrency at a time, so every message crosses between the nodes. Counted from the nodes' bus
  (agentviz_events_total of message.sent on a, which sees b's too). The
  peer: build/bench/actor_throughput --path remote, bare CAF ping-pong
  between two processes with as many pairs and rounds, in the same run.
latency: three nodes a, b, c (b and c join through a). Two simulated
  agents on a hold a conversation of 10 messages every 10 ms (through a's
  HTTP API), --rate message.sent events a second for --seconds; one viewer
  on c and one on a take them from their WebSocket streams. Prints p50,
  p99 and max from the event's time (stamped on a, in whole ms) to its
  arrival, on c (across the cluster) and on a (the same node: the floor).
swarm: three nodes, each spawns --agents agents through its own API
  (--concurrency requests in flight); prints each node's resident memory
  per agent it lists (its own and the others'), then starts a fourth node
  and times how long it takes to list the whole swarm. The layout steps at
  10 Hz here (PHYSICS_UPDATE_RATE) so that 2 cores spawn and relay rather
  than lay out.

  --only NAME        messages, latency or swarm (default all three)
  --pairs N          agent pairs of the messages run (default 16)
  --conversations N  conversations per pair (default 128: runs of seconds,
                     which the 100 ms polls of the counter do not blur)
  --repeat N         runs of each path of the messages run, back to back
                     (default 3): rates are the best, the ratio the median
                     of the paired runs' ratios
  --rate N           events per second of the latency run (default 1000)
  --seconds N        length of the latency run (default 10)
  --agents N         agents per node of the swarm run (default 30000)
  --concurrency N    requests in flight: spawns per node (swarm), starts of
                     conversations (messages) (default 32)
  --threads N        each node's WORKER_THREADS (default 2)
  -h, --help         this text

Ends with one JSON object per line: {"bench", "params", "value", "unit"}.`);
  process.exit(0);
}

const rate = Number(opt.rate);
const seconds = Number(opt.seconds);
const agents = Number(opt.agents);
const concurrency = Number(opt.concurrency);
const pairs = Number(opt.pairs);
const conversations = Number(opt.conversations);
const repeat = Number(opt.repeat);
for (const [name, x] of [["rate", rate], ["seconds", seconds], ["agents", agents],
                         ["pairs", pairs], ["conversations", conversations], ["repeat", repeat],
                         ["concurrency", concurrency], ["threads", Number(opt.threads)]])
  if (!Number.isInteger(x) || x < 1) {
    console.error(`--${name}: expected a whole number from 1, got ${opt[name]}`);
    process.exit(2);
  }
if (opt.only && !["messages", "latency", "swarm"].includes(opt.only)) {
  console.error(`--only: expected messages, latency or swarm, got ${opt.only}`);
  process.exit(2);
}

const lines = [];
function result(what, params, value, unit) {
  lines.push(JSON.stringify({ bench: `cluster_${what}`, params, value: Number(value.toFixed(3)), unit }));
}

async function api(node, method, p, body) {
  const res = await fetch(`${node.apiUrl}${p}`, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p} on ${node.ready.node}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A POST of `body` to `p` on `node` over `agent`'s kept-alive connections:
 * several times cheaper for this process than fetch, which matters where
 * the driver shares the cores with the nodes it measures. */
function post(agent, node, p, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${node.apiUrl}${p}`, {
      agent, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => (res.statusCode >= 300
        ? reject(new Error(`POST ${p} on ${node.ready.node}: ${res.statusCode} ${text}`)) : resolve()));
    });
    req.on("error", reject);
    req.end(data);
  });
}

/** Nodes a, b and c (b and c join through a), with `extra` in each one's
 * environment; resolves once c lists all three up. */
async function cluster(extra, names = ["a", "b", "c"]) {
  const common = { WORKER_THREADS: opt.threads, RATE_LIMIT_MAX_REQUESTS: "10000000", CLUSTER_SECRET: "cluster-bench-secret", ...extra };
  const nodes = { a: await runNode(await nodeEnv({ NODE_NAME: "a", ...common })) };
  const seed = `127.0.0.1:${nodes.a.ready.cluster_port}`;
  for (const name of names.slice(1))
    nodes[name] = await runNode(await nodeEnv({ NODE_NAME: name, CLUSTER_SEEDS: seed, ...common }));
  const last = nodes[names[names.length - 1]];
  await until("every node up", async () => {
    const { nodes: xs } = await api(last, "GET", "/api/nodes");
    return xs.length === names.length && xs.every((x) => x.state === "up");
  }, 30000);
  return nodes;
}

/** `agentviz_events_total` of message.sent on `node`. */
async function messagesCounted(node) {
  const text = await (await fetch(node.metricsUrl)).text();
  return Number(text.match(/agentviz_events_total\{kind="message\.sent"\} (\d+)/)?.[1] ?? 0);
}

async function messages() {
  const rounds = 101;
  const nodes = await cluster({}, ["a", "b"]);
  try {
    const spawn = (node) => api(nodes.a, "POST", "/api/agents", { type: "coder", provenance: "simulated", node });
    const players = [];
    for (let i = 0; i < pairs; ++i) players.push([await spawn("a"), await spawn("b")]);
    await until("b lists every player", async () =>
      (await api(nodes.b, "GET", "/api/agents?limit=1")).total === 2 * pairs);
    const buildDir = process.env.AV_BUILD_DIR ?? path.join(root, "build");
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    let driverShare = 0;
    const runOurs = async () => {
      const expected = (await messagesCounted(nodes.a)) + pairs * conversations * rounds;
      const start = performance.now();
      const cpu = process.cpuUsage();
      // Started --concurrency at a time: the node refuses connections past
      // its limit. The first conversations run while the others start.
      await inFlight(pairs * conversations, (i) => {
        const [x, y] = players[i % pairs];
        return post(agent, nodes.a, "/api/messages",
          { from: x.id, to: y.numId, type: "request", content: "ping", replyBudget: rounds - 1 });
      });
      // Polled every 100 ms, not more often: each poll costs the node a scrape.
      while ((await messagesCounted(nodes.a)) < expected) {
        if (performance.now() - start > 120000) throw new Error("the conversations did not end within 120 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      driverShare = Math.max(driverShare, (used.user + used.system) / 1e6 / seconds);
      return (pairs * conversations * rounds) / seconds;
    };
    const runPeer = () => {
      const out = execFileSync(path.join(buildDir, "bench/actor_throughput"),
        ["--path", "remote", "--pairs", String(pairs * conversations), "--rounds", String(rounds),
         "--threads", opt.threads, "--repeat", "1"], { encoding: "utf8" });
      return JSON.parse(out.trim().split("\n").pop()).value;
    };
    let ours = 0;
    let peer = 0;
    const ratios = [];
    for (let i = 0; i < repeat; ++i) {
      const x = await runOurs();
      const y = runPeer();
      ours = Math.max(ours, x);
      peer = Math.max(peer, y);
      ratios.push(x / y);
      console.log(`  run ${i + 1}: ${x.toFixed(0)} against ${y.toFixed(0)} msg/s, ratio ${(x / y).toFixed(3)}`);
    }
    ratios.sort((l, r) => l - r);
    const ratio = ratios[Math.floor(ratios.length / 2)];
    const params = { pairs, conversations, rounds, repeat, threads: Number(opt.threads) };
    console.log(`messages: ${pairs} pairs x ${conversations} conversations x ${rounds} messages between two nodes (best of ${repeat})`);
    console.log(`  agent messages between nodes:        ${ours.toFixed(0)} msg/s`);
    console.log(`  bare CAF ping-pong between processes: ${peer.toFixed(0)} msg/s (same pairs and rounds)`);
    console.log(`  ratio: ${ratio.toFixed(3)} (median of ${repeat} paired runs)`);
    console.log(`  this driver's own CPU during our runs: up to ${(100 * driverShare).toFixed(0)} % of one core (none during the peer's)`);
    agent.destroy();
    result("messages", params, ours, "msg/s");
    result("messages_caf_remote", params, peer, "msg/s");
    result("messages_ratio", params, ratio, "ratio");
  } finally {
    await Promise.all(Object.values(nodes).map((n) => n.stop()));
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** A viewer of `node`'s message.sent events between the agents `nums`:
 * pushes each one's delay from its `time` (stamped where it happened) to
 * its arrival here, in ms. */
async function viewer(node, nums, into) {
  const ws = new WebSocket(node.wsUrl);
  let subscribed;
  const ready = new Promise((r) => { subscribed = r; });
  ws.on("message", (data, binary) => {
    if (binary) return;
    const now = performance.timeOrigin + performance.now();
    const msg = JSON.parse(data.toString());
    if (msg.type === "subscribed") subscribed();
    for (const ev of Array.isArray(msg) ? msg : [msg])
      if (ev.type === "message.sent" && nums.has(ev.data.from)) into.push(now - ev.time);
  });
  await once(ws, "open");
  ws.send(JSON.stringify({ type: "subscribe", events: ["message.sent"], fps: 1 }));
  await ready;
  return ws;
}

async function latency() {
  const nodes = await cluster({});
  try {
    const spawn = () => api(nodes.a, "POST", "/api/agents", { type: "bench", provenance: "simulated", node: "a" });
    const [p, q] = [await spawn(), await spawn()];
    await until("c lists a's agents", async () =>
      (await api(nodes.c, "GET", `/api/agents/${q.id}`)).node === "a");
    const nums = new Set([p.numId, q.numId]);
    const onC = [];
    const onA = [];
    const views = [await viewer(nodes.c, nums, onC), await viewer(nodes.a, nums, onA)];
    // Every 10 ms a conversation of 10 messages between p and q, both on
    // a: --rate events a second, in small bursts.
    const perKick = 10;
    const kicks = Math.ceil((rate * seconds) / perKick);
    const total = kicks * perKick;
    const start = performance.now();
    const inFlight = [];
    for (let i = 0; i < kicks; ++i) {
      const wait = start + (i * 1000 * perKick) / rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(api(nodes.a, "POST", "/api/messages",
        { from: p.id, to: q.numId, type: "request", content: "tick", replyBudget: perKick - 1 }));
    }
    await Promise.all(inFlight);
    const took = (performance.now() - start) / 1000;
    await until("every event on both viewers", () => onC.length >= total && onA.length >= total, 30000)
      .catch(() => {});
    for (const ws of views) ws.close();
    const params = { rate, seconds, events: total, threads: Number(opt.threads) };
    console.log(`latency: ${total} message.sent events of node a at ${rate}/s, sent over ${took.toFixed(1)} s ` +
                `(${cpus().length} cores; times in whole ms as events carry them)`);
    for (const [where, xs] of [["c", onC], ["a", onA]]) {
      xs.sort((l, r) => l - r);
      const [p50, p99, max] = [percentile(xs, 0.5), percentile(xs, 0.99), xs[xs.length - 1]];
      console.log(`  viewer on ${where}${where === "a" ? " (same node)" : " (across)  "}: ${xs.length} events, ` +
                  `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms`);
      result(`event_${where === "c" ? "across" : "local"}_p50`, params, p50, "ms");
      result(`event_${where === "c" ? "across" : "local"}_p99`, params, p99, "ms");
      result(`event_${where === "c" ? "across" : "local"}_received`, params, xs.length, "events");
    }
  } finally {
    await Promise.all(Object.values(nodes).map((n) => n.stop()));
  }
}

function rssBytes(node) {
  const status = readFileSync(`/proc/${node.proc.pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) * 1024;
}

/** Runs the `n` requests `call(i)` with --concurrency in flight. */
async function inFlight(n, call) {
  let next = 0;
  const worker = async () => {
    while (next < n) await call(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function spawnMany(node, n) {
  return inFlight(n, () => api(node, "POST", "/api/agents", { type: "coder", node: node.ready.node }));
}

async function swarm() {
  const extra = { MAX_AGENTS: String(agents + 10), MAX_CONCURRENT_SPAWNS: "1000", PHYSICS_UPDATE_RATE: "10" };
  const nodes = await cluster(extra);
  let late;
  try {
    const before = Object.fromEntries(Object.entries(nodes).map(([k, n]) => [k, rssBytes(n)]));
    const start = performance.now();
    await Promise.all(Object.values(nodes).map((n) => spawnMany(n, agents)));
    const spawnSecs = (performance.now() - start) / 1000;
    const total = 3 * agents;
    for (const [name, node] of Object.entries(nodes))
      await until(`${name} lists ${total} agents`, async () =>
        (await api(node, "GET", "/api/agents?limit=1")).total === total, 120000);
    const params = { nodes: 3, agentsPerNode: agents, threads: Number(opt.threads) };
    console.log(`swarm: 3 nodes x ${agents} agents spawned in ${spawnSecs.toFixed(1)} s ` +
                `(${(total / spawnSecs).toFixed(0)} spawns/s in all)`);
    for (const [name, node] of Object.entries(nodes)) {
      const perAgent = (rssBytes(node) - before[name]) / total;
      console.log(`  node ${name}: ${(rssBytes(node) / 2 ** 20).toFixed(0)} MiB resident, ` +
                  `${perAgent.toFixed(0)} bytes per agent listed (${agents} its own, ${total - agents} the others')`);
      result("memory_per_agent", { ...params, node: name }, perAgent, "bytes");
    }
    // A fourth node: from its start until it lists the whole swarm.
    const t0 = performance.now();
    late = await runNode(await nodeEnv({
      NODE_NAME: "d", CLUSTER_SEEDS: `127.0.0.1:${nodes.a.ready.cluster_port}`, WORKER_THREADS: opt.threads,
      CLUSTER_SECRET: "cluster-bench-secret", ...extra,
    }));
    await until("d lists the whole swarm", async () =>
      (await api(late, "GET", "/api/agents?limit=1")).total === total, 120000);
    const learn = (performance.now() - t0) / 1000;
    console.log(`  node d: started and listed all ${total} agents after ${learn.toFixed(2)} s`);
    result("learn_swarm", { ...params, agents: total }, learn, "s");
    result("spawns", params, total / spawnSecs, "spawns/s");
  } finally {
    await Promise.all([...Object.values(nodes), late].filter(Boolean).map((n) => n.stop()));
  }
}

if (!opt.only || opt.only === "messages") await messages();
if (!opt.only || opt.only === "latency") await latency();
if (!opt.only || opt.only === "swarm") await swarm();
for (const line of lines) console.log(line);

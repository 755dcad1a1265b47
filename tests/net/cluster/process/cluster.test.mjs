// Nodes of a cluster as separate agent-server processes on loopback: three
// join through one seed and all list each other; each lists and controls
// every node's agents (calls routed to the owner); the others see a node
// killed with SIGKILL go (node.left on their event streams within 5 s, the
// node listed unreachable, /health still ok) and come back under its name
// without a second entry; a node with another cluster secret is refused,
// with a line saying why in both logs. Over TLS, nodes whose certificates
// the cluster's CA signed join; a node with another CA's certificate, or
// without TLS, cannot. One node runs the layout and the others show its
// frames; when it is killed, another goes on from the last positions. A
// mesh coordination spans agents of all three nodes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { nodeEnv, runNode } from "../../../node/agent_server.mjs";
import { call, clusterEnv, getJson, spawnAgent, until, view, watch, watchLayout } from "./helpers.mjs";

describe("three nodes on loopback", () => {
  const nodes = {};
  const envs = {};
  let viewer;

  before(async () => {
    envs.a = await clusterEnv("a");
    nodes.a = await runNode(envs.a);
    viewer = await watch(nodes.a);
    const seed = `127.0.0.1:${nodes.a.ready.cluster_port}`;
    envs.b = await clusterEnv("b", seed);
    envs.c = await clusterEnv("c", seed);
    nodes.b = await runNode(envs.b);
    nodes.c = await runNode(envs.c);
  });

  after(async () => {
    viewer?.ws.close();
    await Promise.all(Object.values(nodes).map((n) => n.stop()));
  });

  it("join through one seed and every node lists all three up", async () => {
    for (const name of ["a", "b", "c"])
      await until(`node ${name} lists three nodes up`, async () => {
        const v = await view(nodes[name]);
        return Object.keys(v).length === 3 && Object.values(v).every((s) => s === "up") && v;
      });
    // Each lists itself first; c learned b from the seed and connected to it.
    const { body } = await getJson(nodes.c, "/api/nodes");
    assert.equal(body.node, "c");
    assert.deepEqual(body.nodes.map((n) => [n.name, n.self]), [["c", true], ["a", false], ["b", false]]);
    assert.equal(body.nodes[2].address, `127.0.0.1:${nodes.b.ready.cluster_port}`);
    const health = await getJson(nodes.b, "/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.node, "b");
    assert.equal(health.body.components.cluster.status, "up");
    assert.deepEqual(health.body.nodes.map((n) => n.name).sort(), ["a", "b", "c"]);
    await until("node.joined of b and c on a's stream", () =>
      ["b", "c"].every((n) => viewer.events.some((e) => e.type === "node.joined" && e.data.node === n)));
  });

  const owned = {};

  it("one swarm: every node lists every node's agents and routes calls to the owner", async () => {
    for (const name of ["a", "b", "c"]) owned[name] = await spawnAgent(nodes[name], `worker-on-${name}`);
    // Numbers are unique in the cluster: each node numbers in its own slot.
    assert.equal(new Set(Object.values(owned).map((x) => x.numId)).size, 3);
    for (const name of ["a", "b", "c"])
      await until(`node ${name} lists the three workers with their nodes`, async () => {
        const { body } = await getJson(nodes[name], "/api/agents?limit=1000");
        const got = body.agents.filter((x) => x.name.startsWith("worker-on-")).map((x) => `${x.name}@${x.node}`).sort();
        return got.join() === "worker-on-a@a,worker-on-b@b,worker-on-c@c" && body.total === 3 && body;
      });
    // The dashboard's snapshot on c holds a's and b's agents.
    const snap = await getJson(nodes.c, "/api/snapshot");
    assert.deepEqual(snap.body.agents.map((x) => x.node).sort(), ["a", "b", "c"]);
    // Read and changed through c, on a: the same status codes and bodies.
    const got = await getJson(nodes.c, `/api/agents/${owned.a.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.node, "a");
    const changed = await call(nodes.c, "PUT", `/api/agents/${owned.a.id}/state`, { state: "ERROR", reason: "drill" });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.state, "ERROR");
    assert.equal((await getJson(nodes.a, `/api/agents/${owned.a.id}`)).body.state, "ERROR");
    await until("b hears of the change on a", async () =>
      (await getJson(nodes.b, "/api/agents?state=ERROR")).body.agents.some((x) => x.id === owned.a.id));
    const refused = await call(nodes.b, "PUT", `/api/agents/${owned.a.id}/state`, { state: "BUSY" });
    const local = await call(nodes.a, "PUT", `/api/agents/${owned.a.id}/state`, { state: "BUSY" });
    assert.equal(refused.status, local.status);
    assert.deepEqual(refused.body, local.body);
    // Terminated through b, on c: gone from every node.
    const ended = await call(nodes.b, "DELETE", `/api/agents/${owned.c.id}`);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    for (const name of ["a", "b", "c"])
      await until(`node ${name} no longer lists c's worker`, async () =>
        !(await getJson(nodes[name], "/api/agents")).body.agents.some((x) => x.id === owned.c.id));
    // A spawn through a goes to the node named, else to the least loaded:
    // c, which has none now.
    const named = await spawnAgent(nodes.a, "placed-on-b", "b");
    assert.equal(named.node, "b");
    const placed = await call(nodes.a, "POST", "/api/agents", { type: "coder", name: "placed-anywhere" });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.node, "c");
    const unknown = await call(nodes.a, "POST", "/api/agents", { type: "coder", node: "nowhere" });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.field, "node");
    for (const id of [named.id, placed.body.id]) assert.equal((await call(nodes.a, "DELETE", `/api/agents/${id}`)).status, 200);
  });

  it("a mesh coordination spans the three nodes and every node sees it end", async () => {
    const peers = [];
    for (const name of ["a", "b", "c"]) peers.push(await spawnAgent(nodes[name], `peer-on-${name}`));
    await until("b lists the three peers", async () =>
      (await getJson(nodes.b, "/api/agents?limit=1000")).body.agents.filter((x) => x.name.startsWith("peer-on-")).length === 3);
    const started = await call(nodes.b, "POST", "/api/coordinations",
      { pattern: "mesh", participants: peers.map((x) => x.numId), task: "sync across nodes" });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.node, "b");
    for (const name of ["a", "b", "c"])
      await until(`node ${name} sees the coordination completed`, async () => {
        const { status, body } = await getJson(nodes[name], `/api/coordinations/${started.body.id}`);
        return status === 200 && body.status === "COMPLETED" && body;
      });
    const { body } = await getJson(nodes.c, `/api/coordinations/${started.body.id}`);
    assert.equal(body.result, "6 messages exchanged");
    // Each agent sent its two messages, whichever node it is on.
    for (const peer of peers)
      assert.equal((await getJson(nodes.a, `/api/agents/${peer.id}`)).body.messagesSent, 2);
    for (const peer of peers) assert.equal((await call(nodes.a, "DELETE", `/api/agents/${peer.id}`)).status, 200);
    // The answers waited for the owners, which relayed the ends to a
    // first: a lists none of them at once, the others soon.
    const peersOn = async (name) => (await getJson(nodes[name], "/api/agents")).body.agents
      .filter((x) => x.name.startsWith("peer-on-")).length;
    assert.equal(await peersOn("a"), 0);
    for (const name of ["b", "c"]) await until(`${name} lists no peer`, async () => (await peersOn(name)) === 0);
  });

  it("a node killed with SIGKILL is unreachable on the others within 5 s, and /health stays ok", async () => {
    viewer.events.length = 0;
    const killed = Date.now();
    nodes.b.proc.kill("SIGKILL");
    await once(nodes.b.proc, "exit");
    const left = await until("node.left of b on a's stream", () =>
      viewer.events.find((e) => e.type === "node.left" && e.data.node === "b"), 5000);
    assert.ok(left.at - killed <= 5000, `detected after ${left.at - killed} ms`);
    assert.equal(left.data.address, `127.0.0.1:${nodes.b.ready.cluster_port}`);
    assert.ok(left.data.reason.length > 0, "node.left says why");
    for (const name of ["a", "c"])
      await until(`node ${name} lists b unreachable`, async () => (await view(nodes[name])).b === "unreachable");
    const health = await getJson(nodes.a, "/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "ok");
    assert.equal(health.body.nodes.find((n) => n.name === "b").state, "unreachable");
    const metrics = await (await fetch(nodes.a.metricsUrl)).text();
    assert.match(metrics, /agentviz_cluster_nodes\{state="unreachable"\} 1\b/);
    assert.match(metrics, /agentviz_cluster_nodes\{state="up"\} 2\b/);
    // Its agents are listed, unreachable; a call on one says which node.
    const { body } = await getJson(nodes.a, "/api/agents");
    assert.deepEqual(body.agents.filter((x) => x.node === "b").map((x) => [x.id, x.reachable]), [[owned.b.id, false]]);
    const res = await call(nodes.c, "PUT", `/api/agents/${owned.b.id}/state`, { state: "ERROR" });
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, "node_unreachable");
    assert.match(res.body.error.message, /on node "b", which is unreachable/);
  });

  it("a node back under its name is up again on every node, listed once", async () => {
    viewer.events.length = 0;
    nodes.b = await runNode(envs.b);
    for (const name of ["a", "b", "c"])
      await until(`node ${name} lists all three up`, async () => {
        const { body } = await getJson(nodes[name], "/api/nodes");
        const names = body.nodes.map((n) => n.name).sort();
        return names.join() === "a,b,c" && body.nodes.every((n) => n.state === "up");
      });
    await until("node.joined of b again on a's stream", () =>
      viewer.events.some((e) => e.type === "node.joined" && e.data.node === "b"));
    // b came back without its agents (no database): the others drop the
    // unreachable one, and list b's new agent once.
    const again = await spawnAgent(nodes.b, "worker-on-b-again");
    for (const name of ["a", "c"])
      await until(`node ${name} lists b's agents as b has them`, async () => {
        const { body } = await getJson(nodes[name], "/api/agents");
        const ids = body.agents.filter((x) => x.node === "b").map((x) => x.id);
        return ids.length === 1 && ids[0] === again.id;
      });
  });

  it("a node with another cluster secret is refused, and both logs say why", async () => {
    const env = await nodeEnv({
      NODE_NAME: "intruder", CLUSTER_SEEDS: `127.0.0.1:${nodes.a.ready.cluster_port}`,
      CLUSTER_SECRET: "another-secret-entirely",
    });
    const intruder = await runNode(env);
    try {
      await until("the refusal in the intruder's log", () => intruder.log().includes("cluster: peering refused"));
      assert.match(intruder.log(), /wrong cluster secret/);
      await until("the refusal in a's log", () => nodes.a.log().includes("cluster: refused a node"));
      assert.match(nodes.a.log(), /"node":"intruder"/);
      assert.deepEqual(Object.keys(await view(nodes.a)).sort(), ["a", "b", "c"]);
      assert.deepEqual(Object.keys(await view(intruder)), ["intruder"]);
    } finally {
      await intruder.stop();
    }
  });

  it("one layout: every node shows the frames of one node, and another goes on when it is killed", async () => {
    // a started first, so it runs the layout.
    // A call in flight to a node as it dies waits for the API's timeout
    // (MCP_TIMEOUT): the probe gives up after a second and asks again.
    const layoutNode = async (name) => {
      const res = await fetch(`${nodes[name].apiUrl}/api/physics`, { signal: AbortSignal.timeout(1000) });
      return (await res.json()).node;
    };
    for (const name of ["a", "b", "c"])
      await until(`node ${name} says a runs the layout`, async () => (await layoutNode(name)) === "a");
    const onB = await watchLayout(nodes.b);
    const onC = await watchLayout(nodes.c);
    try {
      const laidOut = {};
      for (const name of ["a", "b", "c"]) laidOut[name] = await spawnAgent(nodes[name], `laid-out-on-${name}`);
      // A pin and forces set through b are a's, and carried to the next
      // leader with a's setup.
      const pinned = laidOut.c;
      for (const name of ["a", "b"])
        await until(`node ${name} lists c's new agent`, async () =>
          (await getJson(nodes[name], `/api/agents/${pinned.id}`)).status === 200);
      const pin = { x: 77, y: -33, z: 12 };
      const pinning = await call(nodes.b, "PUT", `/api/agents/${pinned.id}/position`, { position: pin });
      assert.equal(pinning.status, 200, JSON.stringify(pinning.body));
      const tuning = await call(nodes.b, "GET", "/api/physics");
      const tuned = await call(nodes.b, "PUT", "/api/physics", { repulsion: tuning.body.repulsion * 2 });
      assert.equal(tuned.status, 200, JSON.stringify(tuned.body));
      assert.equal(tuned.body.node, "a");
      // b and c show the same frames: the same parts, the same positions.
      const [x, y] = await until("a frame part with agents that b and c both showed", () => {
        for (const [key, part] of onB.parts)
          if (part.records.length > 0 && onC.parts.has(key)) return [part, onC.parts.get(key)];
        return false;
      });
      assert.deepEqual(x.records, y.records);
      const leader = /agentviz_physics_leader\{node="a"\} (\d)/;
      assert.equal((await (await fetch(nodes.a.metricsUrl)).text()).match(leader)?.[1], "1");
      assert.equal((await (await fetch(nodes.b.metricsUrl)).text()).match(leader)?.[1], "0");
      // a killed: c takes over (b came back later than c started, so it
      // is the younger), from the positions it was sent last.
      const lastFrame = onB.frame;
      const before = new Map(onB.last);
      onB.parts.clear();
      nodes.a.proc.kill("SIGKILL");
      await once(nodes.a.proc, "exit");
      for (const name of ["b", "c"])
        await until(`node ${name} says c runs the layout`, async () => {
          const now = await layoutNode(name);
          if (now !== "c") throw new Error(`${name} says ${now}`);
          return true;
        }, 10000);
      // c goes on with a's forces; twice those again, asked of b and made
      // by c: every agent moves (a new agent alone may leave the others
      // below the frames' threshold until the layout rests).
      const carried = await call(nodes.c, "GET", "/api/physics");
      assert.equal(carried.body.node, "c");
      assert.equal(carried.body.repulsion, tuned.body.repulsion);
      const retuned = await call(nodes.b, "PUT", "/api/physics", { repulsion: tuned.body.repulsion * 2 });
      assert.equal(retuned.status, 200, JSON.stringify(retuned.body));
      assert.equal(retuned.body.node, "c");
      // The pinned agent stays where it was pinned: c's keyframes on b
      // show it there.
      const pinnedIn = (p) => p.keyframe && p.frame > lastFrame && p.records.find(([num]) => num === pinned.numId);
      const [, where] = (await until("a keyframe of c's layout on b with the pinned agent",
        () => [...onB.parts.values()].map(pinnedIn).find(Boolean), 10000));
      assert.deepEqual(where, [pin.x, pin.y, pin.z]);
      // Frame numbers go on; in c's first frame that moves agents b had
      // shown, they are where they were, not placed anew: most moved
      // little against the swarm's size.
      const known = (p) => p.records.filter(([id]) => before.has(id)).length;
      const after = () => [...onB.parts.values()].filter((p) => p.frame > lastFrame && known(p) >= 3);
      await until("a frame of c's layout on b that moves agents b had shown", () => after().length > 0, 10000);
      const key = after().reduce((first, p) => (p.frame < first.frame ? p : first));
      const radius = Math.max(...[...before.values()].map((p) => Math.hypot(...p)));
      const moved = key.records.filter(([id]) => before.has(id))
        .map(([id, p]) => Math.hypot(...p.map((v, i) => v - before.get(id)[i]))).sort((l, r) => l - r);
      assert.ok(moved.length >= 3, `only ${moved.length} known agents in the keyframe`);
      const median = moved[Math.floor(moved.length / 2)];
      assert.ok(median < radius / 4, `median move ${median} against a radius of ${radius}`);
    } finally {
      onB.ws.close();
      onC.ws.close();
    }
  });
});

/** A CA and a certificate it signed for each of `names`, in `dir`. */
function certificates(dir, caName, names) {
  const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${caName}`,
    "-keyout", `${caName}.key`, "-out", `${caName}.pem`);
  for (const name of names) {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.pem`, "-CAkey", `${caName}.key`,
      "-CAcreateserial", "-days", "2", "-out", `${name}.pem`);
  }
}

function tlsEnv(dir, ca, name, seeds = "") {
  return clusterEnv(name, seeds, {
    CLUSTER_TLS_CERT: path.join(dir, `${name}.pem`),
    CLUSTER_TLS_KEY: path.join(dir, `${name}.key`),
    CLUSTER_TLS_CA: path.join(dir, `${ca}.pem`),
  });
}

describe("TLS between nodes", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "av-cluster-tls-"));
  const nodes = [];
  let a;

  before(async () => {
    certificates(dir, "ca", ["tls-a", "tls-b"]);
    certificates(dir, "other-ca", ["stranger"]);
    a = await runNode(await tlsEnv(dir, "ca", "tls-a"));
    nodes.push(a);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("nodes with certificates of the cluster's CA join over TLS", async () => {
    assert.match(a.log(), /"msg":"cluster port open"[^\n]*"tls":true/);
    const b = await runNode(await tlsEnv(dir, "ca", "tls-b", `127.0.0.1:${a.ready.cluster_port}`));
    nodes.push(b);
    for (const n of [a, b])
      await until("both up over TLS", async () => {
        const v = await view(n);
        return v["tls-a"] === "up" && v["tls-b"] === "up";
      });
  });

  it("a node whose certificate another CA signed, and a node without TLS, cannot join", async () => {
    const seed = `127.0.0.1:${a.ready.cluster_port}`;
    const stranger = await runNode(await tlsEnv(dir, "other-ca", "stranger", seed));
    const plain = await runNode(await clusterEnv("plain", seed));
    nodes.push(stranger, plain);
    for (const n of [stranger, plain])
      await until("the failed join in its log", () => n.log().includes("cluster: cannot reach a node"));
    assert.deepEqual(Object.keys(await view(a)).sort(), ["tls-a", "tls-b"]);
    assert.deepEqual(Object.keys(await view(stranger)), ["stranger"]);
    assert.deepEqual(Object.keys(await view(plain)), ["plain"]);
  });
});

describe("two nodes on one PostgreSQL", { skip: process.env.DATABASE_URL ? false : "no DATABASE_URL (scripts/test sets one)" }, () => {
  const scratch = `av_cluster_${process.pid}`;
  const server = new URL(process.env.DATABASE_URL ?? "postgresql://localhost/none");
  const url = Object.assign(new URL(server), { pathname: `/${scratch}` }).toString();
  const psql = (sql) => execFileSync("psql", [server.toString(), "-v", "ON_ERROR_STOP=1", "-qc", sql], { stdio: "pipe" });
  const nodes = {};
  const envs = {};

  const spawnAgent = async (node, name) => {
    const res = await fetch(`${node.apiUrl}/api/agents`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "coder", name }),
    });
    assert.equal(res.status, 201, await res.text());
  };
  // A node lists the cluster's agents: its own are those with its name.
  const names = async (node) => (await getJson(node, "/api/agents")).body.agents
    .filter((a) => a.node === node.ready.node).map((a) => a.name).sort();

  before(async () => {
    psql(`CREATE DATABASE ${scratch}`);
    envs.a = await clusterEnv("a", "", { DATABASE_URL: url, AUTO_MIGRATE: "true" });
    nodes.a = await runNode(envs.a);
    envs.b = await clusterEnv("b", `127.0.0.1:${nodes.a.ready.cluster_port}`, { DATABASE_URL: url, AUTO_MIGRATE: "true" });
    nodes.b = await runNode(envs.b);
  });

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()));
    psql(`DROP DATABASE IF EXISTS ${scratch}`);
  });

  it("each node writes its own agents and restores only those", async () => {
    // The answer to a spawn comes once it is committed.
    await spawnAgent(nodes.a, "on-a");
    await spawnAgent(nodes.b, "on-b");
    await nodes.b.stop();
    nodes.b = await runNode(envs.b);
    assert.deepEqual(await names(nodes.b), ["on-b"]);
    await nodes.a.stop();
    nodes.a = await runNode(envs.a);
    assert.deepEqual(await names(nodes.a), ["on-a"]);
  });

  it("a change asked of one node on another's agent is answered once that node committed it", async () => {
    const row = (name) => execFileSync("psql", [url, "-At", "-v", "ON_ERROR_STOP=1", "-c",
      `SELECT node || ' ' || state FROM agents WHERE name = '${name}'`], { stdio: "pipe" }).toString().trim();
    // a has b's inventory (b's restored agent): it can place on b.
    await until("a lists b's agent", async () =>
      (await getJson(nodes.a, "/api/agents")).body.agents.some((x) => x.node === "b"));
    const placed = await call(nodes.a, "POST", "/api/agents", { type: "coder", name: "placed-from-a", node: "b" });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    // Read at once: the row is there, written by b.
    assert.equal(row("placed-from-a"), "b IDLE");
    const ended = await call(nodes.a, "DELETE", `/api/agents/${placed.body.id}`);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(row("placed-from-a"), "b TERMINATED");
  });
});

// `agent-server shell -c` and `--json` against real nodes (docs/shell.md):
// every command, the refused ones, and a cluster of two.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import {
  KEY, api, logged, shell, shellJson, spawnAgent, startNode, streaming, until,
} from "./helpers.mjs";
import { nodeEnv, runNode } from "../../node/agent_server.mjs";

describe("one node", () => {
  let node;
  let coder;
  let tester;
  before(async () => {
    node = await startNode("solo");
    coder = await spawnAgent(node, "coder-a");
    tester = await spawnAgent(node, "tester-b", { type: "tester" });
  });
  after(() => node.stop());

  test("nodes lists the node, its agents and how long it is up", async () => {
    const xs = await shellJson(node, "nodes");
    assert.equal(xs.length, 1);
    assert.equal(xs[0].name, "solo");
    assert.equal(xs[0].state, "up");
    assert.equal(xs[0].self, true);
    assert.equal(xs[0].agents, 2);
    assert.ok(xs[0].forMs >= 0 && xs[0].forMs < 600000, `forMs ${xs[0].forMs}`);
    const text = await shell(node, "nodes");
    assert.match(text.stdout, /^NODE\s+STATE\s+AGENTS/m);
    assert.match(text.stdout, /^solo \*\s+up\s+2\s/m);
  });

  test("ps lists every kind of actor with mailbox, processed and rate", async () => {
    const ws = new WebSocket(node.wsUrl);
    await once(ws, "open");
    try {
      const rows = await until("a WebSocket session among the actors", async () => {
        const xs = await shellJson(node, "ps --limit 0");
        return xs.some((r) => r.kind === "ws_session") && xs;
      });
      const kinds = new Set(rows.map((r) => r.kind));
      for (const k of ["agent", "registry", "bus", "physics", "hub", "cluster", "cluster_view", "ws_session"])
        assert.ok(kinds.has(k), `kind ${k} in ${[...kinds]}`);
      for (const r of rows) {
        assert.equal(r.node, "solo");
        assert.equal(typeof r.mailbox, "number");
        assert.equal(typeof r.processed, "number");
        assert.equal(typeof r.rate, "number");
      }
      assert.deepEqual(rows.filter((r) => r.kind === "agent").map((r) => r.num).sort(),
        [coder.numId, tester.numId].sort());
      // The physics actor ticks: it has a rate.
      assert.ok(rows.find((r) => r.kind === "physics").rate > 0);
    } finally {
      ws.close();
    }
    const agents = await shellJson(node, "ps --kind agent --sort mailbox");
    assert.equal(agents.length, 2);
    assert.ok(agents.every((r) => r.kind === "agent"));
    const sorted = await shellJson(node, "ps --sort processed");
    for (let i = 1; i < sorted.length; ++i) assert.ok(sorted[i - 1].processed >= sorted[i].processed);
    const text = await shell(node, "ps --limit 3");
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^NODE\s+KIND\s+ID\s+MAILBOX\s+PROCESSED\s+RATE\/S\s+SUMMARY$/m);
    assert.match(text.stdout, /more \(--limit 0 lists all\)/);
  });

  test("top without a terminal prints --count listings", async () => {
    const r = await shell(node, "top --count 2 --limit 5", { json: true });
    assert.equal(r.code, 0, r.stderr);
    const listings = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(listings.length, 2);
    assert.ok(listings.every((x) => x.length > 0));
  });

  test("inspect shows an actor's whole status, by kind, number or name", async () => {
    const reg = await shellJson(node, "inspect registry");
    assert.equal(reg.kind, "registry");
    assert.equal(reg.agents, 2);
    const byNum = await shellJson(node, `inspect ${coder.numId}`);
    assert.equal(byNum.kind, "agent");
    assert.equal(byNum.id, coder.id);
    assert.equal(byNum.history, undefined, "history is for --verbose");
    const verbose = await shellJson(node, "inspect coder-a --verbose");
    assert.equal(typeof verbose.history, "number");
    const r = await shell(node, "inspect nobody");
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: no actor "nobody" on node "solo"\n');
  });

  test("agents, agent, coords, coord, metrics and health read the domain", async () => {
    const page = await shellJson(node, "agents --type coder");
    assert.equal(page.total, 1);
    assert.equal(page.agents[0].name, "coder-a");
    const one = await shellJson(node, "agent coder-a");
    assert.equal(one.numId, coder.numId);
    const text = await shell(node, "agents");
    assert.match(text.stdout, /^NUM\s+NAME\s+TYPE\s+STATE\s+NODE$/m);
    assert.match(text.stdout, /2 of 2 agents/);
    const made = await api(node, "POST", "/api/coordinations",
      { pattern: "mesh", participants: [coder.numId, tester.numId], task: "review" });
    assert.equal(made.status, 201);
    const coords = await shellJson(node, "coords");
    assert.ok(coords.coordinations.some((c) => c.id === made.body.id));
    const coord = await shellJson(node, `coord ${made.body.id}`);
    assert.equal(coord.pattern, "mesh");
    const metrics = await shellJson(node, "metrics coder-a");
    assert.ok(Array.isArray(metrics.history));
    const health = await shellJson(node, "health");
    assert.equal(health.node, "solo");
    const ranked = await shell(node, "coords --status ACTIVE");
    assert.equal(ranked.code, 0, ranked.stderr);
  });

  test("control commands without the key are refused and change nothing", async () => {
    const before = (await api(node, "GET", "/api/agents/tester-b")).body;
    for (const cmd of [
      "terminate coder-a", "send coder-a tester-b hi", "task coder-a work", "state coder-a ERROR",
      "restart coder-a", "fault coder-a", "formation circle coder-a tester-b", "pin coder-a 1 2 3",
    ]) {
      const r = await shell(node, cmd, { key: "" });
      assert.equal(r.code, 1, cmd);
      assert.match(r.stderr, /^error: \w+ changes the node and needs its API key: agent-server shell --key KEY \(or AV_SHELL_KEY\)/, cmd);
      assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
    }
    const a = await api(node, "GET", "/api/agents/coder-a");
    assert.equal(a.body.state, "IDLE");
    assert.equal(a.body.restarts, 0);
    const b = (await api(node, "GET", "/api/agents/tester-b")).body;
    assert.equal(b.state, before.state);
    assert.equal(b.queuedTasks, before.queuedTasks);
    // Reads work without it: the node allows unauthenticated reads.
    const read = await shell(node, "agents", { key: "" });
    assert.equal(read.code, 0, read.stderr);
    const refusals = logged(node, "access refused").filter((l) => l.transport === "shell");
    assert.ok(refusals.length >= 8);
  });

  test("a wrong key is refused at connect", async () => {
    const r = await shell(node, "nodes", { key: "not-the-key" });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: refused by node "solo": the key is invalid\n');
  });

  test("control commands with the key act, and are recorded with who did it", async () => {
    const sent = await shellJson(node, "send coder-a tester-b hello from the shell --not-an-option");
    assert.equal(sent.from, coder.numId);
    const task = await shellJson(node, "task tester-b write the tests");
    assert.ok(task.taskId);
    const state = await shellJson(node, "state coder-a error a drill");
    assert.equal(state.state, "ERROR");
    assert.equal((await shellJson(node, "state coder-a IDLE")).state, "IDLE");
    const restarted = await shellJson(node, "restart coder-a");
    assert.equal(restarted.restarts, 1);
    const faulted = await shellJson(node, "fault coder-a");
    assert.equal(faulted.restarts, 2);
    const formation = await shellJson(node, "formation circle coder-a tester-b");
    assert.deepEqual(formation.agents, [coder.numId, tester.numId]);
    const pinned = await shellJson(node, "pin coder-a 1 2.5 -3");
    assert.deepEqual(pinned.position, { x: 1, y: 2.5, z: -3 });
    const records = logged(node, "shell command");
    for (const cmd of ["send", "task", "state", "restart", "fault", "formation", "pin"])
      assert.ok(records.some((l) => l.command === cmd && l.by === "api key" && l.outcome === "ok"), cmd);
    const crashes = logged(node, "agent crashed, restarting");
    assert.match(crashes[0].error, /^restart asked from the shell by api key \(/);
    assert.match(crashes[1].error, /^fault injected from the shell by api key \(/);
    // The event stream has them too, as tool.called.
    const tail = streaming(node, "tail tool --for 20s");
    await until("tool.called of a shell command in tail", async () => {
      await shell(node, "pin tester-b 0 0 0");
      return tail.lines().some((e) => e.type === "tool.called" && e.data.tool === "shell pin"
        && e.data.outcome === "ok" && e.data.client.startsWith("api key ("));
    });
    tail.proc.kill("SIGINT");
    assert.equal(await tail.exited, 0);
    const ended = await shellJson(node, "terminate tester-b done for today");
    assert.equal(ended.state, "TERMINATED");
  });

  test("trace follows one agent's messages in both directions", async () => {
    const peer = await spawnAgent(node, "peer-c");
    const trace = streaming(node, "trace coder-a --for 30s");
    await until("messages to and from coder-a in trace", async () => {
      await api(node, "POST", "/api/messages", { from: "coder-a", to: "peer-c", content: "out" });
      await api(node, "POST", "/api/messages", { from: "peer-c", to: "coder-a", content: "in" });
      const sent = trace.lines().filter((e) => e.type === "message.sent");
      return sent.some((e) => e.data.from === coder.numId && e.data.to === peer.numId)
        && sent.some((e) => e.data.from === peer.numId && e.data.to === coder.numId);
    });
    // Only coder-a's events.
    await api(node, "POST", "/api/agents/peer-c/tasks", { description: "not coder-a's" });
    trace.proc.kill("SIGINT");
    assert.equal(await trace.exited, 0);
    for (const e of trace.lines()) {
      const d = e.data;
      const nums = [d.numId, d.from, d.to, d.agent?.numId, ...(d.agents ?? []), ...(d.participants ?? [])];
      assert.ok(nums.includes(coder.numId), JSON.stringify(e));
    }
  });

  test("tail ends after --for and keeps to the types asked for", async () => {
    const tail = streaming(node, "tail agent.state --for 1500ms");
    await until("a state change in tail", async () => {
      await api(node, "PUT", "/api/agents/peer-c/state", { state: "ERROR", reason: "tail" });
      await api(node, "PUT", "/api/agents/peer-c/state", { state: "IDLE" });
      return tail.lines().length > 0;
    });
    assert.equal(await tail.exited, 0);
    assert.ok(tail.lines().every((e) => e.type === "agent.state"));
  });

  test("bad input gets one line naming what was wrong", async () => {
    const cases = [
      ["bogus", 'error: unknown command "bogus" (help lists the commands)'],
      ["agent", "error: agent: expected agent ID"],
      ["ps --colour red", "error: unknown option --colour of ps; usage: ps [--kind K] [--node N] [--sort mailbox|processed|rate] [--limit N]"],
      ["ps --sort speed", 'error: --sort takes mailbox, processed or rate, not "speed"'],
      ["ps --limit many", 'error: --limit takes a number, not "many"'],
      ["pin coder-a 1 two 3", 'error: pin: y must be a number, not "two"'],
      ["send coder-a 'unclosed", "error: unclosed single quote"],
      ["tail agent.nope", /^error: no event type "agent\.nope"; types: agent\.spawned, /],
      ["trace coder-a --for soon", 'error: --for takes a duration such as 10s, 500ms or 2m, not "soon"'],
      ["agent nobody", /^error: .*nobody.* \(404\)$|^error: .*nobody/],
      ["terminate nobody", /^error: .*\(404\)$/],
      ["restart nobody", /^error: .*\(404\)$/],
      ["state coder-a SLEEPING", /^error: .*\(400\)$/],
      ["ps --node elsewhere", 'error: no node "elsewhere" in the cluster (see nodes)'],
      ["help nothing", 'error: no command "nothing" (help lists them)'],
    ];
    for (const [cmd, expected] of cases) {
      const r = await shell(node, cmd);
      assert.equal(r.code, 1, `${cmd}: ${r.stdout}`);
      const line = r.stderr.trimEnd();
      assert.equal(line.split("\n").length, 1, `${cmd}: one line: ${r.stderr}`);
      if (expected instanceof RegExp) assert.match(line, expected, cmd);
      else assert.equal(line, expected, cmd);
    }
    // Nothing was changed by them.
    const a = await api(node, "GET", "/api/agents/coder-a");
    assert.equal(a.body.state, "IDLE");
    const help = await shell(node, "help trace");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: trace ID \[--for DURATION\]$/m);
  });
});

describe("a node that needs its key to read", () => {
  let node;
  before(async () => { node = await startNode("locked", { READ_AUTH: "true" }); });
  after(() => node.stop());

  test("a shell without the key is refused; with it, it reads", async () => {
    const r = await shell(node, "agents", { key: "" });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: refused by node "locked": node "locked" needs its API key even to read: agent-server shell --key KEY (or AV_SHELL_KEY)\n');
    assert.equal((await shellJson(node, "agents")).total, 0);
  });
});

describe("connections", () => {
  test("nothing listening is one line, exit 1", async () => {
    const env = await nodeEnv();
    const r = await shell({ ready: { cluster_port: env.CLUSTER_PORT } }, "nodes");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot connect to 127\.0\.0\.1:\d+: nothing answers there \(is the node running, and is this its CLUSTER_PORT\?\)\n$/);
  });

  test("a node that goes away during trace ends the shell with one line", async () => {
    const node = await startNode("fleeting");
    await spawnAgent(node, "a");
    const trace = streaming(node, "trace a --for 60s", { json: false });
    await until("trace started", () => trace.text.includes("tracing agent"));
    node.proc.kill("SIGKILL");
    const code = await trace.exited;
    assert.equal(code, 1);
    assert.equal(trace.err, 'error: node "fleeting" went away (its connection is lost)\n');
  });
});

describe("a cluster of two", () => {
  let a;
  let b;
  before(async () => {
    a = await startNode("shell-a", { CLUSTER_SECRET: "cluster-secret-for-tests" });
    b = await runNode(await nodeEnv({
      NODE_NAME: "shell-b", MCP_API_KEY: KEY, CLUSTER_SECRET: "cluster-secret-for-tests",
      CLUSTER_SEEDS: `127.0.0.1:${a.ready.cluster_port}`, RATE_LIMIT_MAX_REQUESTS: "1000000",
    }));
    await until("both nodes up on a", async () => {
      const xs = await shellJson(a, "nodes");
      return xs.length === 2 && xs.every((n) => n.state === "up");
    });
  });
  after(async () => { await b.stop(); await a.stop(); });

  test("ps --node lists the other node's actors, through the node connected to", async () => {
    const agent = await spawnAgent(b, "on-b", { node: "shell-b" });
    const rows = await until("b's agent in ps --node shell-b", async () => {
      const xs = await shellJson(a, "ps --node shell-b --limit 0");
      return xs.some((r) => r.kind === "agent" && r.num === agent.numId) && xs;
    });
    assert.ok(rows.every((r) => r.node === "shell-b"));
    const all = await shellJson(a, "ps --limit 0");
    assert.deepEqual(new Set(all.map((r) => r.node)), new Set(["shell-a", "shell-b"]));
    const inspected = await shellJson(a, "inspect on-b");
    assert.equal(inspected.node, "shell-b");
  });

  test("terminate of an agent on the other node", async () => {
    const agent = await spawnAgent(b, "doomed", { node: "shell-b" });
    await until("a lists b's agent", async () => (await shell(a, "agent doomed")).code === 0);
    const ended = await shellJson(a, "terminate doomed cluster drill");
    assert.equal(ended.state, "TERMINATED");
    assert.equal(ended.node, "shell-b");
    // b holds it no more.
    const onB = await api(b, "GET", `/api/agents/${agent.id}`);
    assert.equal(onB.status, 404);
    const restartedOnB = await spawnAgent(b, "phoenix", { node: "shell-b" });
    const back = await until("restart of phoenix through a", async () => {
      const r = await shell(a, "restart phoenix", { json: true });
      return r.code === 0 && r;
    });
    assert.equal(JSON.parse(back.stdout).restarts, 1);
    assert.equal(JSON.parse(back.stdout).numId, restartedOnB.numId);
  });
});

describe("a node that speaks TLS on its cluster port", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "av-shell-tls-"));
  const files = (name) => ["--tls-cert", path.join(dir, `${name}.pem`), "--tls-key", path.join(dir, `${name}.key`),
    "--tls-ca", path.join(dir, "ca.pem")];
  let node;
  before(async () => {
    const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ca",
      "-keyout", "ca.key", "-out", "ca.pem");
    for (const name of ["node", "operator"]) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`,
        "-out", `${name}.csr`);
      openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", `${name}.pem`);
    }
    node = await startNode("sealed", {
      CLUSTER_TLS_CERT: path.join(dir, "node.pem"), CLUSTER_TLS_KEY: path.join(dir, "node.key"),
      CLUSTER_TLS_CA: path.join(dir, "ca.pem"),
    });
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a shell with a certificate of the node's CA connects", async () => {
    const r = await shell(node, "nodes", { json: true, args: files("operator") });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].name, "sealed");
  });

  test("TLS options come together or not at all", async () => {
    const r = await shell(node, "nodes", { args: ["--tls-cert", path.join(dir, "operator.pem")] });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "agent-server shell: TLS needs --tls-cert, --tls-key and --tls-ca together\n");
  });

  test("a shell without TLS gets one line, not a hang", async () => {
    const r = await shell(node, "nodes", { args: ["--timeout-ms", "2000"] });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot connect to 127\.0\.0\.1:\d+: the node hung up during the handshake \(does it speak TLS\? then --tls-cert, --tls-key and --tls-ca; else it runs another version\)\n$/);
  });
});

describe("a node with JWT_SECRET", () => {
  const secret = "shell-test-jwt-secret-5b0e7d2c94a1f368";
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString("base64url");
  const token = (claims) => {
    const signed = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
    return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
  };
  const now = () => Math.floor(Date.now() / 1000);
  let node;
  before(async () => {
    node = await startNode("tokens", { JWT_SECRET: secret });
    await spawnAgent(node, "x");
  });
  after(() => node.stop());

  test("a token works as a key and is named token in the record", async () => {
    const valid = token({ sub: "ops", iat: now(), exp: now() + 600 });
    const r = await shell(node, "pin x 1 1 1", { key: valid });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(logged(node, "shell command").some((l) => l.command === "pin" && l.by === "token"));
    const expired = token({ sub: "ops", iat: now() - 7200, exp: now() - 3600 });
    const late = await shell(node, "nodes", { key: expired });
    assert.equal(late.code, 1);
    assert.equal(late.stderr, 'error: refused by node "tokens": the key is expired\n');
    // Neither the key nor a token is ever logged.
    assert.ok(!node.log().includes(valid) && !node.log().includes(KEY));
  });
});

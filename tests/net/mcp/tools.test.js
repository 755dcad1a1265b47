// Every tool over Streamable HTTP with the official SDK client: valid calls
// give structuredContent that matches the tool's outputSchema.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Ajv from "ajv";
import { startServer, httpClient, key } from "./harness.js";

let server;
let client;
let tools;
const ajv = new Ajv({ strict: false });

before(async () => {
  server = await startServer({ MCP_API_KEY: key });
  ({ client } = await httpClient(server));
  tools = new Map((await client.listTools()).tools.map((t) => [t.name, t]));
});

after(async () => {
  await client?.close();
  await server?.stop();
});

/// Calls a tool, expects success and checks the result against the schema.
async function call(name, args) {
  const res = await client.callTool({ name, arguments: args });
  assert.equal(res.isError, false, `${name}: ${JSON.stringify(res.content)}`);
  const tool = tools.get(name.replace("multi-agent", "swarm"));
  const validate = ajv.compile(tool.outputSchema);
  assert.ok(validate(res.structuredContent),
            `${name}: ${ajv.errorsText(validate.errors)}`);
  assert.deepEqual(JSON.parse(res.content[0].text), res.structuredContent);
  return res.structuredContent;
}

test("tools/list names every tool with compact schemas", async () => {
  const names = [...tools.keys()].sort();
  assert.deepEqual(names, [
    "agent_coordinate", "agent_list", "agent_spawn", "agent_status",
    "agent_terminate", "coordinate_swarm_formation", "memory_usage",
    "monitor_agent_performance", "neural_train", "swarm_init",
    "swarm_status", "task_orchestrate", "update_agent_position",
  ]);
  for (const t of tools.values()) {
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.equal(t.outputSchema.type, "object", t.name);
    assert.ok(t.description.length > 10, t.name);
  }
  // Roughly 4 characters a token: the whole list stays under 6,000 tokens.
  const size = JSON.stringify([...tools.values()]).length;
  assert.ok(size < 24000, `tools/list is ${size} characters`);
});

test("agents are spawned, listed, inspected, moved and terminated", async () => {
  const spawned = await call("agent_spawn", { type: "coder", name: "ada", count: 2 });
  assert.equal(spawned.spawned, 2);
  assert.deepEqual(spawned.agents.map((a) => a.name), ["ada-1", "ada-2"]);
  const listed = await call("agent_list", { type: "coder" });
  assert.ok(listed.agents.some((a) => a.name === "ada-1"));
  const status = await call("agent_status", { agentId: "ada-1", history: true });
  assert.equal(status.agent.name, "ada-1");
  assert.ok(Array.isArray(status.history));
  const moved = await call("update_agent_position", {
    agentId: spawned.agents[0].numId,
    position: { x: 1, y: 2, z: 3 },
  });
  assert.deepEqual(moved.position, { x: 1, y: 2, z: 3 });
  const perf = await call("monitor_agent_performance", {
    agentId: "ada-2",
    metrics: { tasksCompleted: 3, successRate: 0.9,
               averageResponseTime: 120, resourceUtilization: 0.5 },
  });
  assert.equal(perf.metrics.successRate, 0.9);
  assert.ok(perf.history.length >= 1);
  const gone = await call("agent_terminate", { agentId: "ada-2", reason: "done" });
  assert.equal(gone.agent.state, "TERMINATED");
  const after = await call("agent_list", { type: "coder" });
  assert.ok(!after.agents.some((a) => a.name === "ada-2"));
});

test("swarms are made, coordinated, given tasks and arranged", async () => {
  const swarm = await call("swarm_init", {
    topology: "ring", maxAgents: 4, types: ["researcher", "coder"],
  });
  assert.equal(swarm.agents.length, 4);
  assert.equal(swarm.edges, 4);
  const alias = await call("multi-agent_init", { topology: "star", maxAgents: 2 });
  assert.equal(alias.agents.length, 2);
  const status = await call("swarm_status", { swarmId: swarm.swarmId });
  assert.equal(status.swarms[0].agents, 4);
  const ids = swarm.agents.map((a) => a.id);
  const coord = await call("agent_coordinate", {
    pattern: "mesh", participants: ids.slice(0, 3), task: "discuss",
  });
  assert.ok(["FORMING", "ACTIVE"].includes(coord.coordination.status));
  const parallel = await call("task_orchestrate", {
    task: "review", swarmId: swarm.swarmId, strategy: "parallel",
  });
  assert.equal(parallel.assignments.length, 4);
  const adaptive = await call("task_orchestrate", {
    task: "fix", agents: ids, kind: "bugfix",
  });
  assert.equal(adaptive.assignments.length, 1);
  const sequential = await call("task_orchestrate", {
    task: "build", agents: ids, strategy: "sequential",
  });
  assert.match(sequential.coordinationId, /^[0-9a-f-]{36}$/);
  const formation = await call("coordinate_swarm_formation", {
    pattern: "circle", agents: ids, centerPoint: { x: 0, y: 0, z: 0 }, spacing: 10,
  });
  assert.equal(formation.targets.length, 4);
  const alias2 = await call("coordinate_multi-agent_formation", {
    pattern: "grid", agents: ids,
  });
  assert.equal(alias2.pattern, "grid");
});

test("memory stores, retrieves, lists, searches and deletes", async () => {
  await call("memory_usage", { action: "store", namespace: "t", key: "a:1", value: "alpha", ttl: 60 });
  await call("memory_usage", { action: "store", namespace: "t", key: "b:1", value: "beta" });
  const got = await call("memory_usage", { action: "retrieve", namespace: "t", key: "a:1" });
  assert.equal(got.found, true);
  assert.equal(got.entry.value, "alpha");
  assert.ok(got.entry.ttl <= 60 && got.entry.ttl > 0);
  const listed = await call("memory_usage", { action: "list", namespace: "t", pattern: "a:" });
  assert.deepEqual(listed.entries.map((e) => e.key), ["a:1"]);
  const searched = await call("memory_usage", { action: "search", namespace: "t", pattern: "*:1" });
  assert.equal(searched.entries.length, 2);
  const deleted = await call("memory_usage", { action: "delete", namespace: "t", key: "a:1" });
  assert.equal(deleted.deleted, true);
  const missing = await call("memory_usage", { action: "retrieve", namespace: "t", key: "a:1" });
  assert.equal(missing.found, false);
  assert.equal(missing.backend, "memory");
});

test("neural_train says clearly when history is too short", async () => {
  const res = await client.callTool({
    name: "neural_train", arguments: { model: "decision" },
  });
  assert.equal(res.isError, true);
  assert.match(res.content[0].text, /needs at least 20 finished tasks/);
});

test("invalid arguments give an isError result naming the field", async () => {
  const cases = [
    ["agent_spawn", {}, /arguments\.type: required/],
    ["agent_spawn", { type: "x", count: 500 }, /arguments\.count: expected a number from 1 to 100/],
    ["agent_spawn", { type: "x", node: "elsewhere" }, /no node "elsewhere" in the cluster/],
    ["agent_coordinate", { pattern: "star", participants: [1] }, /arguments\.pattern: expected one of/],
    ["update_agent_position", { agentId: 1, position: { x: 1 } }, /arguments\.position\.y: required/],
    ["agent_list", { bogus: 1 }, /arguments\.bogus: unknown property/],
    ["memory_usage", { action: "store", key: "k" }, /arguments\.value: required/],
    ["agent_status", { agentId: "nobody-here" }, /nobody-here/],
  ];
  for (const [name, args, pattern] of cases) {
    const res = await client.callTool({ name, arguments: args });
    assert.equal(res.isError, true, name);
    assert.match(res.content[0].text, pattern, name);
  }
});

test("an unknown tool is a -32602 protocol error", async () => {
  await assert.rejects(
    client.callTool({ name: "no_such_tool", arguments: {} }),
    (err) => err.code === -32602 && /no_such_tool/.test(err.message));
});

test("agent_list answers again from its kept page, and a state change is in the next one", async () => {
  const { agents: [agent] } = await call("agent_spawn", { type: "kept" });
  const state = async () => (await call("agent_list", { type: "kept" })).agents[0].state;
  assert.equal(await state(), "IDLE");
  assert.equal(await state(), "IDLE");
  const res = await fetch(`${server.apiUrl}/api/agents/${agent.id}/state`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ state: "ERROR" }),
  });
  assert.equal(res.status, 200, await res.text());
  assert.equal(await state(), "ERROR");
});

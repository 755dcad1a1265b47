// validate-permissions with readWithoutKey: reads pass without the key,
// control tools do not; per-tool enabled, maxAgents and maxParticipants.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, httpClient, key, configFile } from "./harness.js";

let server;

before(async () => {
  server = await startServer({
    MCP_API_KEY: key,
    MCP_CONFIG: configFile((c) => {
      c.server.readWithoutKey = true;
      c.tools["multi-agent_init"].maxAgents = 3;
      c.tools.agent_coordinate.maxParticipants = 2;
      c.tools.neural_train.enabled = false;
      c.tools.swarm_status = { scope: "control" };
      return c;
    }),
  });
});

after(async () => server?.stop());

test("without the key, read tools work and control tools are denied", async () => {
  const { client } = await httpClient(server, null);
  const list = await client.callTool({ name: "agent_list", arguments: {} });
  assert.equal(list.isError, false);
  const spawn = await client.callTool({ name: "agent_spawn", arguments: { type: "coder" } });
  assert.equal(spawn.isError, true);
  assert.match(spawn.content[0].text, /permission denied: agent_spawn/);
  // A read tool made a control tool by its scope in the config.
  const swarms = await client.callTool({ name: "swarm_status", arguments: {} });
  assert.equal(swarms.isError, true);
  assert.match(swarms.content[0].text, /permission denied: swarm_status/);
  await client.close();
});

test("per-tool limits are enforced with clear errors", async () => {
  const { client } = await httpClient(server);
  const names = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(!names.includes("neural_train"));
  await assert.rejects(
    client.callTool({ name: "neural_train", arguments: { model: "pattern" } }),
    (err) => err.code === -32602);
  const swarm = await client.callTool({ name: "swarm_init", arguments: { topology: "mesh", maxAgents: 4 } });
  assert.equal(swarm.isError, true);
  assert.match(swarm.content[0].text, /maxAgents: at most 3/);
  const coord = await client.callTool({
    name: "agent_coordinate", arguments: { pattern: "mesh", participants: [1, 2, 3] },
  });
  assert.equal(coord.isError, true);
  assert.match(coord.content[0].text, /participants: at most 2 allowed/);
  await client.close();
});

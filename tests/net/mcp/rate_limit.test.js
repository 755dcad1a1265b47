// The rate-limit hook through the SDK client: a token bucket per key, or
// per session when the node has no key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, httpClient, key, configFile } from "./harness.js";

/// A node whose buckets hold 3 calls and refill one an hour.
function tightNode(extra = {}) {
  return startServer({
    ...extra,
    MCP_CONFIG: configFile((c) => {
      const hook = c.hooks.preExecution.find((h) => h.name === "rate-limit");
      hook.maxCalls = 3;
      hook.windowMs = 3 * 3600000;
      return c;
    }),
  });
}

/// Whether each of `n` agent_list calls was refused.
async function refusals(client, n) {
  const result = [];
  for (let i = 0; i < n; i++)
    result.push((await client.callTool({ name: "agent_list", arguments: {} })).isError);
  return result;
}

test("without a key each session has its own bucket", async () => {
  const server = await tightNode();
  const { client: first } = await httpClient(server, null);
  const { client: second } = await httpClient(server, null);
  try {
    assert.deepEqual(await refusals(first, 4), [false, false, false, true]);
    const refused = await first.callTool({ name: "agent_list", arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /^rate limit: too many tool calls; retry in \d+ ms$/);
    // The other session still has its budget.
    assert.deepEqual(await refusals(second, 4), [false, false, false, true]);
  } finally {
    await first.close();
    await second.close();
    await server.stop();
  }
});

test("with a key its sessions share one bucket", async () => {
  const server = await tightNode({ MCP_API_KEY: key });
  const { client: first } = await httpClient(server, key);
  const { client: second } = await httpClient(server, key);
  try {
    assert.deepEqual(await refusals(first, 2), [false, false]);
    assert.deepEqual(await refusals(second, 2), [false, true]);
    assert.deepEqual(await refusals(first, 1), [true]);
  } finally {
    await first.close();
    await second.close();
    await server.stop();
  }
});

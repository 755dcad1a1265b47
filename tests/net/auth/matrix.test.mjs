// The auth matrix: every control path of a real agent-server (each mutating
// REST route and hook event over HTTP and as a WebSocket command, each MCP
// tool that changes the node, ending an MCP session) tried with every
// credential it must refuse: none, a wrong API key, an expired JWT, a JWT
// signed with another secret. Each try must get the documented refusal,
// change nothing on the node (its events, and its state read back with the
// key), and leave a log entry naming the refused client; then a valid JWT
// does what the row asks and the read-back sees it, so the row's body and
// read-back are proven. A second node with MCP's `readWithoutKey` refuses
// the control tools to its anonymous readers. At the end no log holds a
// configured secret, nor a key or token a client presented.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import {
  API_KEY, CLIENT, FORGER_SECRET, JWT_SECRET, httpRequest, issued, mcpRequest, mcpSession, startNode, until,
  validJwt, wsCommand,
} from "./helpers.mjs";
import { credentials, hookRoutes, restRoutes, routeRequest, tools } from "./table.mjs";

const wwwAuthenticate = (cred) => (cred.verdict === "missing" ? "Bearer" : 'Bearer error="invalid_token"');

const http = {
  name: "HTTP",
  send: (node, req, token) => httpRequest(node.apiUrl, req, token),
  refusal: (cred) => `401 unauthorized, WWW-Authenticate: ${wwwAuthenticate(cred)}`,
  refused(res, cred) {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "unauthorized");
    assert.equal(res.headers.get("www-authenticate"), wwwAuthenticate(cred));
  },
  done: (res, row) => assert.equal(res.status, row.ok, JSON.stringify(res.body)),
};

const ws = (via, how) => ({
  name: `WebSocket command (token ${how})`,
  send: (node, req, token) => wsCommand(node.wsUrl, req, token, via),
  refusal: () => "result 401 unauthorized",
  refused(res) {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "unauthorized");
  },
  done: (res, row) => assert.equal(res.status, row.ok, JSON.stringify(res.body)),
});

const mcp = {
  name: "MCP",
  send: (node, req, token) => mcpRequest(node.mcpUrl, req, token),
  refusal: () => "401, WWW-Authenticate: Bearer, a JSON-RPC error",
  refused(res) {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.headers.get("www-authenticate"), "Bearer");
    assert.equal(res.body.jsonrpc, "2.0");
    assert.equal(typeof res.body.error.code, "number");
    assert.equal(res.body.result, undefined);
  },
  done(res, row) {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (!row.transport) assert.equal(res.body.result.isError, false, JSON.stringify(res.body));
  },
};

const readOnly = {
  name: "MCP, anonymous reader (readWithoutKey)",
  send: mcp.send,
  refusal: () => 'isError "permission denied: …"',
  refused(res) {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.isError, true);
    assert.match(res.body.result.content[0].text,
      /^permission denied: \S+ changes the node and needs Authorization: Bearer <MCP_API_KEY>$/);
  },
};

/// Events that are changes: all but tool calls the node denied (a denied
/// call is announced as `tool.called` with outcome `denied`, docs/mcp.md).
const changes = (events) => events.filter((e) => !(e.type === "tool.called" && e.data.outcome === "denied"));

/// The log entry of a refusal: it names the client's address and what it
/// tried (`subject`: the path, the tool), and says it was refused.
function refusalEntry(lines, subject) {
  return lines.find((l) => Object.values(l).includes(CLIENT)
    && (l.status === 401 || /unauthori|denied|refus|credential/i.test(String(l.msg)))
    && JSON.stringify(l).includes(subject));
}

/// One row of the matrix: `row` through `transport` on the node `node()`,
/// with each of `creds`; `request(fx)` builds the request from the row's
/// fixtures, `subject(fx)` is what a log entry names, and `valid`, when
/// given, is the credential that must get it done.
function controlPath(node, transport, row, tag, { request, subject, creds = credentials, valid }) {
  describe(`${transport.name}: ${row.name}`, () => {
    let fx;
    let state;
    const logs = {};
    const read = () => node().state(fx, row.observe?.(fx));

    before(async () => {
      fx = await row.setup(node(), tag);
      await node().barrier();
      state = await read();
    });

    for (const cred of creds) {
      it(`${cred.name}: ${transport.refusal(cred)}, and nothing changed`, async () => {
        const mark = node().mark();
        const res = await transport.send(node(), request(fx), cred.token);
        transport.refused(res, cred);
        const end = await node().barrier();
        logs[cred.name] = node().logBetween(mark, end);
        assert.deepEqual(changes(node().eventsBetween(mark, end)), [], "no event");
        assert.deepEqual(await read(), state, "the state read back with the key");
      });

      it(`${cred.name}: the node's log names the refused client, without the secret`, () => {
        const lines = logs[cred.name];
        assert.ok(lines, "the try above ran");
        assert.ok(refusalEntry(lines, subject(fx)),
          `no entry naming ${CLIENT}, ${subject(fx)} and the refusal among:\n${lines.map(JSON.stringify).join("\n")}`);
        const text = JSON.stringify(lines);
        for (const secret of [API_KEY, JWT_SECRET, cred.token].filter(Boolean))
          assert.ok(!text.includes(secret), "a secret in the log");
      });
    }

    if (valid)
      it("a valid JWT gets it done, and the read-back sees the change", async () => {
        const mark = node().mark();
        const res = await transport.send(node(), request(fx), valid.token);
        transport.done(res, row);
        // Tool calls announce themselves; the change is what counts.
        const changed = (e) => e.type !== "tool.called";
        await until(`${row.name} seen done`, async () =>
          node().eventsBetween(mark, { events: Infinity }).some(changed) || !isDeepStrictEqual(await read(), state));
        await row.settle?.(node(), res.body);
        await node().barrier();
      });
  });
}

describe("auth matrix", () => {
  let a;
  let b;
  let caller;
  let anonymous;
  // A fresh token for each use, however long the suite runs.
  const valid = {
    name: "a valid JWT",
    get token() {
      return validJwt();
    },
  };

  before(async () => {
    a = await startNode();
    // The same node but for readWithoutKey: MCP clients without a key are
    // let in to read.
    b = await startNode({}, (c) => {
      c.server.readWithoutKey = true;
      return c;
    });
    caller = await mcpSession(a.mcpUrl, API_KEY, "auth-matrix-caller");
    anonymous = await mcpSession(b.mcpUrl, null, "auth-matrix-anonymous");
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const routeOptions = (row) => ({
    request: (fx) => routeRequest(row, fx),
    subject: (fx) => row.path(fx).split("?")[0],
    valid,
  });

  [...restRoutes, ...hookRoutes].forEach((row, i) => controlPath(() => a, http, row, `http-${i}`, routeOptions(row)));
  [...restRoutes, ...hookRoutes].forEach((row, i) =>
    controlPath(() => a, ws("auth", "in an auth message"), row, `ws-${i}`, routeOptions(row)));
  // The other two ways a WebSocket client gives its token.
  const spawn = restRoutes[0];
  controlPath(() => a, ws("subscribe", "in subscribe"), spawn, "ws-subscribe", routeOptions(spawn));
  controlPath(() => a, ws("upgrade", "on the upgrade request"), spawn, "ws-upgrade", routeOptions(spawn));

  tools.forEach((row, i) => controlPath(() => a, mcp, row, `mcp-${i}`, {
    request: (fx) => row.request(fx, caller),
    subject: () => row.subject ?? row.tool,
    valid,
  }));

  // Read-only access: MCP's readWithoutKey, the one the node has. The
  // control tools answer its anonymous readers "permission denied"; ending
  // a session opened with the key takes the key (401).
  const reader = [{ name: "an anonymous reader", token: null }];
  tools.filter((row) => !row.transport).forEach((row, i) => controlPath(() => b, readOnly, row, `ro-${i}`, {
    request: (fx) => row.request(fx, anonymous),
    subject: () => row.tool,
    creds: reader,
  }));
  tools.filter((row) => row.transport).forEach((row, i) => controlPath(() => b, { ...mcp, name: readOnly.name }, row, `ro-session-${i}`, {
    request: (fx) => row.request(fx, anonymous),
    subject: () => row.subject,
    creds: reader,
  }));

  describe("the logs the suite collected", () => {
    it("hold none of the configured secrets, nor a key or token a client presented", async () => {
      // Stopped, so their logs are complete.
      await a.stop();
      await b.stop();
      const logs = { a: a.log(), b: b.log() };
      assert.match(logs.a, /"status":401/, "the logs are those of the matrix");
      const presented = [...credentials.map((c) => c.token).filter(Boolean), ...issued];
      for (const [name, log] of Object.entries(logs)) {
        for (const [what, secret] of [["the API key", API_KEY], ["the JWT secret", JWT_SECRET],
          ["the forger's secret", FORGER_SECRET], ...presented.map((t) => ["a presented token", t]),
          // A token's signature alone is as good as the token.
          ...presented.filter((t) => t.split(".").length === 3).map((t) => ["a token's signature", t.split(".")[2]])])
          assert.ok(!log.includes(secret), `${what} in the log of node ${name}`);
      }
    });
  });
});

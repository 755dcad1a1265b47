// The auth matrix's two axes. Rows: every control path of the node, one
// each, with a body the node accepts (a valid token proves it) and the
// fixtures it acts on; the REST rows run over HTTP and as WebSocket
// commands, the hook rows over HTTP. Columns: the credentials the node
// must refuse.
import { API_KEY, FORGER_SECRET, JWT_SECRET, jwt, mcpRequest, mcpSession, toolCall, until } from "./helpers.mjs";

const now = Math.floor(Date.now() / 1000);

/// The credentials every control path must refuse, with the verdict the
/// node gives each (docs/api.md, "Security"). No scope column: a credential
/// carries no scope on this node (no claim of a token limits it); the only
/// read-only access besides open reads is MCP's `readWithoutKey`, which the
/// suite covers as a column of its own.
export const credentials = [
  { name: "no credential", token: null, verdict: "missing" },
  { name: "a wrong API key", token: API_KEY.replace(/.{8}$/, "00000000"), verdict: "invalid" },
  {
    name: "an expired JWT",
    // Within JWT_EXPIRY (3600 s), past the 30 s leeway.
    token: jwt({ sub: "auth-matrix-expired", iat: now - 7200, exp: now - 3600 }, JWT_SECRET),
    verdict: "expired",
  },
  {
    name: "a forged JWT (signed with another secret)",
    // Valid but for its signature for as long as the suite may run.
    token: jwt({ sub: "auth-matrix-forged", iat: now, exp: now + 3000 }, FORGER_SECRET),
    verdict: "invalid",
  },
];

/// Where position rows put an agent (exact in float32, so a keyframe shows
/// it exactly, and no layout puts an agent there by itself).
const P = { x: 777.5, y: -333.25, z: 111.125 };

const metrics = { tasksCompleted: 12, successRate: 0.92, averageResponseTime: 340, resourceUtilization: 0.6 };

// Fixtures, made with the right key before a row's first try.
const one = async (node, tag) => {
  const a = await node.spawn(`${tag}-a`);
  return { tag, a, watch: [a] };
};
const two = async (node, tag) => {
  const a = await node.spawn(`${tag}-a`);
  const b = await node.spawn(`${tag}-b`);
  return { tag, a, b, watch: [a, b] };
};
const atP = (fx) => (node) => node.at(fx.a.numId, P);
const stored = async (node, tag) => {
  await node.tool("memory_usage", { action: "store", namespace: tag, key: "plan", value: "ship on friday" });
  return { tag };
};
const memory = (fx) => async (node) => {
  const { structuredContent: x } = await node.tool("memory_usage", { action: "retrieve", namespace: fx.tag, key: "plan" });
  return x.found ? x.entry.value : null;
};

/// A coordination that the valid call started has ended (a mesh ends at
/// once), so it changes nothing while the next row runs.
const ended = async (node, id) =>
  until(`coordination ${id} ended`, async () =>
    !["FORMING", "ACTIVE"].includes((await node.api("GET", `/api/coordinations/${id}`)).status));

/// Every mutating route of the REST API but hooks (docs/api.md,
/// "Endpoints"): over HTTP, and as WebSocket commands.
export const restRoutes = [
  {
    name: "POST /api/agents", method: "POST", ok: 201,
    setup: async (node, tag) => ({ tag }),
    path: () => "/api/agents",
    body: (fx) => ({ type: "coder", name: `${fx.tag}-new` }),
  },
  {
    name: "DELETE /api/agents/{id}", method: "DELETE", ok: 200, setup: one,
    path: (fx) => `/api/agents/${fx.a.id}?reason=auth-matrix`,
  },
  {
    name: "PUT /api/agents/{id}/state", method: "PUT", ok: 200, setup: one,
    path: (fx) => `/api/agents/${fx.a.name}/state`,
    body: () => ({ state: "ERROR", reason: "auth-matrix" }),
  },
  {
    name: "POST /api/agents/{id}/tasks", method: "POST", ok: 201, setup: one,
    path: (fx) => `/api/agents/${fx.a.name}/tasks`,
    body: () => ({ description: "auth-matrix task" }),
  },
  {
    name: "POST /api/agents/{id}/tasks/{taskId}/complete", method: "POST", ok: 200,
    setup: async (node, tag) => {
      const fx = await one(node, tag);
      fx.task = (await node.api("POST", `/api/agents/${fx.a.id}/tasks`, { description: "to complete" })).taskId;
      return fx;
    },
    path: (fx) => `/api/agents/${fx.a.name}/tasks/${fx.task}/complete`,
    body: () => ({ success: true, output: "done" }),
  },
  {
    name: "POST /api/agents/{id}/metrics", method: "POST", ok: 200, setup: one,
    path: (fx) => `/api/agents/${fx.a.name}/metrics`,
    body: () => metrics,
  },
  {
    name: "PUT /api/agents/{id}/position", method: "PUT", ok: 200, setup: one, observe: atP,
    path: (fx) => `/api/agents/${fx.a.name}/position`,
    body: () => ({ position: P }),
  },
  {
    name: "DELETE /api/agents/{id}/position", method: "DELETE", ok: 200, observe: atP,
    setup: async (node, tag) => {
      const fx = await one(node, tag);
      await node.api("PUT", `/api/agents/${fx.a.id}/position`, { position: P });
      return fx;
    },
    path: (fx) => `/api/agents/${fx.a.name}/position`,
  },
  {
    name: "POST /api/formations", method: "POST", ok: 201, setup: two,
    path: () => "/api/formations",
    body: (fx) => ({ pattern: "circle", agents: [fx.a.numId, fx.b.numId], spacing: 7 }),
  },
  {
    name: "DELETE /api/formations/{id}", method: "DELETE", ok: 200,
    setup: async (node, tag) => {
      const fx = await two(node, tag);
      fx.formation = (await node.api("POST", "/api/formations", { pattern: "grid", agents: [fx.a.numId, fx.b.numId] })).id;
      return fx;
    },
    path: (fx) => `/api/formations/${fx.formation}`,
  },
  {
    name: "PUT /api/physics", method: "PUT", ok: 200,
    setup: async (node, tag) => ({ tag, repulsion: (await node.api("GET", "/api/physics")).repulsion + 100 }),
    path: () => "/api/physics",
    body: (fx) => ({ repulsion: fx.repulsion }),
  },
  {
    name: "POST /api/coordinations", method: "POST", ok: 201, setup: two,
    path: () => "/api/coordinations",
    body: (fx) => ({ pattern: "mesh", participants: [fx.a.numId, fx.b.numId], task: "auth-matrix" }),
    settle: (node, answer) => ended(node, answer.id),
  },
  {
    name: "POST /api/messages", method: "POST", ok: 200, setup: two,
    path: () => "/api/messages",
    body: (fx) => ({ from: fx.a.name, to: fx.b.numId, type: "request", priority: "HIGH", content: "auth-matrix" }),
  },
];

/// Every hook event the node knows (docs/integrations.md): each would make
/// an agent of its own session on first sight, so a refused one must not.
const claudeEvents = ["SessionStart", "UserPromptSubmit", "Notification", "PreToolUse", "PostToolUse", "Stop",
  "SubagentStop", "SessionEnd", "PreCompact"];
const flowEvents = ["pre-task", "post-task", "pre-edit", "post-edit", "pre-command", "post-command", "pre-bash",
  "post-bash", "post-search", "notify", "session-end", "session-restore", "agent-spawned", "mcp-initialized",
  "task-orchestrated"];

function claudeBody(event, tag) {
  const body = { session_id: tag, cwd: "/tmp/auth-matrix", hook_event_name: event };
  if (event.endsWith("ToolUse"))
    Object.assign(body, { tool_name: "Bash", tool_use_id: `toolu_${tag}`, tool_input: { command: "ls" } });
  if (event === "PostToolUse") body.tool_response = { stdout: "", stderr: "", interrupted: false };
  return body;
}

/// Every hook event: over HTTP, and as WebSocket commands.
export const hookRoutes = [
  ...claudeEvents.map((event) => ({ event, body: (fx) => claudeBody(event, fx.tag) })),
  ...flowEvents.map((event) => ({
    event,
    body: (fx) => ({ agentId: fx.tag, taskId: fx.tag, description: "auth-matrix", success: true }),
  })),
].map(({ event, body }) => ({
  name: `POST /api/hooks/${event}`, method: "POST", ok: 200,
  setup: async (node, tag) => ({ tag }),
  path: () => `/api/hooks/${event}`,
  body,
}));

/// The request of route row `row` with fixtures `fx`.
export const routeRequest = (row, fx) => ({ method: row.method, path: row.path(fx), body: row.body?.(fx) });

const toolRow = (tool, args, more = {}) => ({
  name: more.label ?? tool, tool, ...more,
  setup: more.setup ?? (async (node, tag) => ({ tag })),
  request: (fx, session) => ({ headers: { "Mcp-Session-Id": session }, body: toolCall(tool, args(fx)) }),
});

const formation = (fx) => ({ pattern: "circle", agents: [fx.a.name, fx.b.name], spacing: 7 });
const swarm = (fx) => ({ topology: "star", maxAgents: 2, types: ["coder"], name: fx.tag });

/// Every MCP tool that changes the node (docs/mcp.md, "validate-permissions"),
/// and the aliases, which are names of their own; then ending a session.
export const tools = [
  toolRow("agent_spawn", (fx) => ({ type: "coder", name: `${fx.tag}-new` })),
  toolRow("agent_terminate", (fx) => ({ agentId: fx.a.name, reason: "auth-matrix" }), { setup: one }),
  toolRow("agent_coordinate", (fx) => ({ pattern: "mesh", participants: [fx.a.name, fx.b.name], task: "auth-matrix" }), {
    setup: two,
    settle: (node, answer) => ended(node, answer.result.structuredContent.coordination.id),
  }),
  toolRow("swarm_init", swarm),
  toolRow("multi-agent_init", swarm),
  toolRow("task_orchestrate", (fx) => ({ task: "auth-matrix", agents: [fx.a.name], strategy: "adaptive", kind: "auth" }),
    { setup: one }),
  toolRow("update_agent_position", (fx) => ({ agentId: fx.a.name, position: P }), { setup: one, observe: atP }),
  toolRow("coordinate_swarm_formation", formation, { setup: two }),
  toolRow("coordinate_multi-agent_formation", formation, { setup: two }),
  toolRow("monitor_agent_performance", (fx) => ({ agentId: fx.a.name, metrics }), { setup: one }),
  toolRow("memory_usage", (fx) => ({ action: "store", namespace: fx.tag, key: "plan", value: "ship on friday" }),
    { label: "memory_usage (store)", observe: memory }),
  toolRow("memory_usage", (fx) => ({ action: "delete", namespace: fx.tag, key: "plan" }),
    { label: "memory_usage (delete)", setup: stored, observe: memory }),
  {
    name: "DELETE /mcp (ends a session)", subject: "/mcp", transport: true,
    // Another client's session, opened with the key; it answers a ping
    // until it is ended.
    setup: async (node, tag) => ({ tag, victim: await mcpSession(node.mcpUrl, API_KEY, `${tag}-victim`) }),
    request: (fx) => ({ method: "DELETE", headers: { "Mcp-Session-Id": fx.victim } }),
    observe: (fx) => async (node) => {
      const ping = await mcpRequest(node.mcpUrl, {
        headers: { "Mcp-Session-Id": fx.victim }, body: { jsonrpc: "2.0", id: 1, method: "ping" },
      }, API_KEY);
      return ping.status;
    },
  },
];

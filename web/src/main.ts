// Wires the store, the stream, the 3D view and the panels together.

import { Connection, type LinkState } from "./core/connection";
import { SwarmStore } from "./core/store";
import { frameRateFor } from "./core/frame_rate";
import { RelayedSocket } from "./core/relayed_socket";
import { StreamSync, type SyncPhase } from "./core/stream_sync";
import { streamUrl } from "./core/stream_url";
import { AgentPanel } from "./ui/agent_panel";
import { ApiClient } from "./ui/api_client";
import { Controls } from "./ui/controls";
import { CoordinationPanel } from "./ui/coordination_panel";
import { byId } from "./ui/dom";
import { EventLog } from "./ui/event_log";
import { Filters } from "./ui/filters";
import { Notices } from "./ui/notices";
import { PhysicsControls } from "./ui/physics_controls";
import { SystemPanel, type Health } from "./ui/system_panel";
import { exposeForTests } from "./test_hook";
import { bindPointer } from "./view/pointer";
import { SwarmView } from "./view/swarm_view";

const PANEL_REFRESH_MS = 250;
const HEALTH_POLL_MS = 2_000;
const FRAME_RATE_CHECK_MS = 5_000;

const store = new SwarmStore();
const api = new ApiClient();
const notices = new Notices(byId("notices"));
let selected = -1;

const filters = new Filters(store, byId("filter-type"), byId("filter-state"), byId("filter-coordination"), () => refreshPanels());
const view = new SwarmView(byId("view"), store, { agent: filters.agent, coordination: filters.coordinationShown });
const agentPanel = new AgentPanel(byId("agent-panel"), store, api, (e) => notices.error(e));
const coordPanel = new CoordinationPanel(byId("coordination-panel"), store, (id) => { filters.chooseCoordination(id); refreshPanels(); });
const systemPanel = new SystemPanel(byId("system-panel"), store);
const log = new EventLog(byId("event-log"), byId("log-filter"), byId("log-type"), byId("log-pause"), store, (id) => select(id));

/**
 * An agent selected before the stream brought it (the answer to a spawn can
 * come before its event): selected as soon as it arrives.
 */
let wanted = -1;

function select(numId: number): void {
  wanted = numId >= 0 && !store.agents.has(numId) ? numId : -1;
  selected = store.agents.has(numId) ? numId : -1;
  view.selected = selected;
  if (selected >= 0) void agentPanel.load(selected).then(() => agentPanel.render(selected, Date.now()));
  agentPanel.render(selected, Date.now());
}

const controls = new Controls(api, view, filters, notices, () => selected, select);
const physics = new PhysicsControls(api, notices);

// -- the stream ---------------------------------------------------------------

const link = byId("link");
let phase: SyncPhase = "idle";

function showLink(): void {
  let state: string;
  let text: string;
  if (conn.state === "open" && phase === "live") [state, text] = ["live", "live"];
  else if (conn.state === "open") [state, text] = ["syncing", phase === "failed" ? `snapshot failed: ${sync.lastError}` : "loading snapshot…"];
  else if (conn.state === "reconnecting") [state, text] = ["reconnecting", `reconnecting (try ${Math.ceil(conn.retryInMs / 100) / 10} s) · ${conn.detail}`];
  else if (conn.state === "connecting") [state, text] = ["connecting", "connecting…"];
  else [state, text] = ["offline", "offline"];
  link.className = `link link-${state}`;
  link.dataset.state = state;
  link.textContent = text;
  link.title = text;
}

const sync = new StreamSync(store, {
  fetchSnapshot: () => api.snapshot(),
  schedule: (fn, ms) => setTimeout(fn, ms),
  onPhase: (p) => { phase = p; showLink(); if (p === "live") refreshPanels(); },
});

let stream: RelayedSocket | null = null;
const conn = new Connection({
  store, sync,
  url: async () => streamUrl(location, (await api.snapshot()).stream),
  // A worker reads the socket, so a slow frame does not stall the stream.
  createSocket: (url) => (stream = new RelayedSocket(url, new Worker(new URL("./core/socket_worker.ts", import.meta.url), { type: "module" }))),
  schedule: (fn, ms) => setTimeout(fn, ms),
  now: () => performance.now(),
  onState: (_s: LinkState) => showLink(),
  subscription: () => (api.key ? { token: api.key } : {}),
});

// -- panels -------------------------------------------------------------------

let framesSeen = 0;
let framesPerSecond = 0;
setInterval(() => { framesPerSecond = store.frames - framesSeen; framesSeen = store.frames; }, 1000);

let panelMs = 0;

function refreshPanels(): void {
  const t0 = performance.now();
  if (wanted >= 0 && store.agents.has(wanted)) select(wanted);
  filters.refresh();
  const now = Date.now();
  agentPanel.render(selected, now);
  coordPanel.render(filters.coordination);
  systemPanel.render({ fps: view.fps, framesPerSecond, drawn: view.drawnAgents, badFrames: store.badFrames });
  log.render();
  hoverTip.refresh();
  byId("empty").hidden = !(phase === "live" && store.agentCount() === 0);
  showLink();
  panelMs += performance.now() - t0;
}

async function pollHealth(): Promise<void> {
  try {
    systemPanel.health = await api.request<Health>("GET", "/health");
  } catch {
    // The connection indicator already says the node is away.
  }
}

// -- input --------------------------------------------------------------------

const hoverTip = bindPointer(view, store, (id) => select(id));
byId("fit").addEventListener("click", () => view.fit());

byId("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = byId<HTMLInputElement>("search").value;
  const hit = store.findAgent(q);
  if (!hit) return notices.info(`no agent matches "${q}"`);
  select(hit.numId);
  view.focus(hit.numId);
});

window.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("input, select, textarea")) return;
  if (e.key === "f" && selected >= 0) view.focus(selected);
  else if (e.key === "a" && !e.ctrlKey && !e.metaKey) view.fit();
  else if (e.key === " ") {
    e.preventDefault();
    view.setPaused(!view.paused);
    byId("paused").hidden = !view.paused;
  } else if (e.key === "Escape") select(-1);
});

// -- run ----------------------------------------------------------------------

function animate(now: number): void {
  view.frame(now);
  requestAnimationFrame(animate);
}

exposeForTests({ store, view, conn, sync, notices, controls, physics, log, stream: () => stream, select: (id) => select(id), selected: () => selected, panelMs: () => panelMs });
conn.start();
void physics.load();
void pollHealth();
setInterval(pollHealth, HEALTH_POLL_MS);
setInterval(refreshPanels, PANEL_REFRESH_MS);
// Ask for as many position frames as the page can show (frame_rate.ts),
// from its draw rate over the last stretch; a hidden page draws nothing, so
// its rate says nothing.
let drawnBefore = { frames: 0, at: performance.now() };
setInterval(() => {
  const now = { frames: view.framesDrawn, at: performance.now() };
  const drawFps = ((now.frames - drawnBefore.frames) * 1000) / (now.at - drawnBefore.at);
  drawnBefore = now;
  if (!document.hidden && drawFps > 0) conn.setFrameRate(frameRateFor(drawFps, conn.fps, conn.hello.maxFps ?? 60));
}, FRAME_RATE_CHECK_MS);
refreshPanels();
requestAnimationFrame(animate);

// The dashboard in a real Chromium against a real agent-server: the page's
// picture matches the server's, an agent can be selected, spawned and
// arranged from the UI, and the page recovers when the server comes back.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";
import { NODE_NAME, pickPorts, startServer } from "./server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const BIN = process.env.AV_SERVER ?? path.join(root, "build/runtime/agent-server");
const WEB_ROOT = process.env.AV_WEB_ROOT ?? path.join(root, "web/dist");
const SHOTS = process.env.AV_SCREENSHOTS ?? path.join(root, "build/web-e2e");
const API_KEY = "e2e-secret-key-0123456789";
const DEMO = 120;

let server;
let browser;
let page;

async function api(method, route, body) {
  const res = await fetch(`${server.origin}${route}`, {
    method,
    headers: { Authorization: `Bearer ${API_KEY}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
}

/** Agents the server holds now, ended ones left out. */
async function serverAgents() {
  const { json } = await api("GET", "/api/snapshot");
  return json.agents.filter((a) => a.state !== "TERMINATED").map((a) => a.numId).sort((a, b) => a - b);
}

const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const av = (fn, arg) => page.evaluate(fn, arg);
const waitFor = (fn, arg, timeout = 10_000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });

/** Presses space with no field focused (where it would type) and waits for the view. */
async function setPaused(paused) {
  await av(() => document.activeElement?.blur());
  if ((await av(() => window.__av.paused)) !== paused) await page.keyboard.press("Space");
  await waitFor((p) => window.__av.paused === p, paused, 5_000);
}

/** Polls `check` until it returns true, or fails with `what`. */
async function eventually(what, check, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: ${JSON.stringify(last)}`);
}

/**
 * In the page: an agent drawn where nothing (a notice, a label, another
 * agent) covers it, so that a click there hits it.
 */
function onScreenAgent() {
  const canvas = document.querySelector("#view canvas");
  for (const id of window.__av.agentIds) {
    const p = window.__av.where(id).screen;
    if (p && document.elementFromPoint(p.x, p.y) === canvas && window.__av.pick(p.x, p.y) === id) return { id, ...p };
  }
  return null;
}

describe("dashboard", () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ bin: BIN, ports: await pickPorts(), demo: DEMO, apiKey: API_KEY, webRoot: WEB_ROOT });
    browser = await launch();
    page = await browser.context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await page.goto(`${server.origin}/`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("holds as many agents as the server", async () => {
    await waitFor(() => window.__av?.phase === "live" && window.__av.positioned > 0, undefined, 30_000);
    await eventually("page and server agree", async () => {
      const [mine, theirs] = [await av(() => window.__av.agentIds.sort((a, b) => a - b)), await serverAgents()];
      return JSON.stringify(mine) === JSON.stringify(theirs) || { page: mine.length, server: theirs.length };
    });
    assert.equal(await av(() => window.__av.agentCount), DEMO);
    assert.equal(await page.locator("#link").getAttribute("data-state"), "live");
    await waitFor(() => window.__av.drawn > 0 && window.__av.frames > 10, undefined, 30_000);
    await shot("swarm");
  });

  it("decodes and applies a frame within budget: 0.5 ms for 500 agents, 3 ms for 5,000", async () => {
    const small = await av(() => window.__av.timeFrames(500, 400));
    const large = await av(() => window.__av.timeFrames(5000, 200));
    assert.ok(small <= 0.5, `500 agents: ${small} ms`);
    assert.ok(large <= 3, `5000 agents: ${large} ms`);
  });

  it("selects an agent with a click and shows its panel", async () => {
    await page.locator("#view canvas").hover();
    await setPaused(true);
    const target = await av(onScreenAgent);
    assert.ok(target, "some agent is on screen");
    await page.mouse.click(target.x, target.y);
    await waitFor(() => window.__av.selected >= 0);
    const selected = await av(() => window.__av.agent(window.__av.selected));
    const panel = page.locator("#agent-panel");
    await panel.locator(".agent-name", { hasText: selected.name }).waitFor({ timeout: 5_000 });
    assert.equal(await panel.locator("[data-role=type]").textContent(), selected.type);
    assert.match(await panel.locator("[data-role=provenance]").textContent(), /^(measured|simulated|stale)/);
    // The node that owns it: NODE_NAME, as the server answers it.
    const { node } = await (await fetch(`${server.origin}/api/nodes`)).json();
    assert.equal(await panel.locator("[data-role=node]").textContent(), node);
    assert.equal(node, NODE_NAME);
    // `f` turns the camera to the selection.
    await page.keyboard.press("f");
    const gap = await av(() => {
      const w = window.__av.where(window.__av.selected).world;
      const t = window.__av.cameraTarget;
      return Math.hypot(w[0] - t[0], w[1] - t[1], w[2] - t[2]);
    });
    assert.ok(gap < 0.01, `camera target ${gap} away from the selection`);
    await setPaused(false);
    await shot("selected");
  });

  it("finds an agent by name from the search box", async () => {
    const name = await av(() => window.__av.agent(window.__av.agentIds[3]).name);
    await page.fill("#search", name);
    await page.press("#search", "Enter");
    await waitFor((n) => window.__av.agent(window.__av.selected)?.name === n, name, 5_000);
  });

  it("filters the event log and holds it while paused", async () => {
    const rows = page.locator("#event-log li");
    await page.fill("#log-filter", "task");
    await eventually("only matching events are listed", async () => {
      const texts = await rows.allTextContents();
      return (texts.length > 0 && texts.every((t) => t.includes("task"))) || texts.slice(0, 3);
    });
    await page.fill("#log-filter", "");
    await page.click("#log-pause");
    const held = await rows.first().textContent();
    const seq = await av(() => window.__av.lastSeq);
    await waitFor((n) => window.__av.lastSeq > n + 5, seq);
    assert.equal(await rows.first().textContent(), held, "a paused log does not move");
    await page.click("#log-pause");
    await eventually("the resumed log shows newer events", async () => (await rows.first().textContent()) !== held);
  });

  it("spawns an agent from the UI with the API key and shows it within a second", async () => {
    await page.fill("#api-key", API_KEY);
    await page.click("#api-key-form button");
    assert.equal(await av(() => sessionStorage.getItem("av.apiKey")), API_KEY);
    await page.fill("#spawn-name", "e2e-probe");
    // Timed in the page, from the click to the agent in the picture, so that
    // the driver's own round trips do not count.
    const ms = await av(() => new Promise((resolve) => {
      const t0 = performance.now();
      document.getElementById("spawn").click();
      const check = () => {
        const dt = performance.now() - t0;
        if (window.__av.findByName("e2e-probe") >= 0 || dt > 5_000) resolve(dt);
        else setTimeout(check, 5);
      };
      check();
    }));
    assert.ok(ms <= 1_000, `shown after ${ms} ms`);
    const id = await av(() => window.__av.findByName("e2e-probe"));
    assert.ok((await serverAgents()).includes(id));
    await waitFor((n) => window.__av.selected === n, id, 5_000);
  });

  it("shows the server's error when a write is refused", async () => {
    await page.fill("#spawn-name", "e2e-probe");
    await page.click("#spawn");
    const alert = page.locator(".notice-error", { hasText: "409" });
    await alert.waitFor({ timeout: 5_000 });
    assert.match(await alert.textContent(), /409 conflict/);
  });

  it("runs a circle formation and releases it", async () => {
    await page.selectOption("#formation-pattern", "circle");
    await page.click("#formation-run");
    await waitFor(() => window.__av.formation !== null);
    const f = await av(() => window.__av.formation);
    assert.equal(f.agents.length, await av(() => window.__av.agentCount));
    // The agents settle on their targets.
    await eventually("agents reach the circle", async () => {
      const off = await av((fm) => fm.agents.slice(0, 20).map((id, i) => {
        const w = window.__av.where(id).world;
        const t = fm.targets[i];
        return w ? Math.hypot(w[0] - t.x, w[1] - t.y, w[2] - t.z) : 1e9;
      }), f);
      return Math.max(...off) < 2 || { worst: Math.max(...off) };
    }, 30_000);
    await shot("formation-circle");
    await page.click("#formation-release");
    await waitFor(() => window.__av.formation === null);
    // Released already: the server no longer knows it.
    assert.equal((await api("DELETE", `/api/formations/${f.id}`)).status, 404);
  });

  it("starts a coordination from the UI and lists it", async () => {
    const before = (await api("GET", "/api/coordinations")).json.total;
    await page.selectOption("#coordination-pattern", "pipeline");
    await page.click("#coordinate");
    await eventually("the server has one more coordination", async () =>
      (await api("GET", "/api/coordinations")).json.total > before);
    const { json } = await api("GET", "/api/coordinations");
    const mine = json.coordinations.find((c) => c.pattern === "pipeline" && c.task === "started from the dashboard");
    assert.ok(mine, "a pipeline started from the page");
    const row = page.locator(`#coordination-panel [data-id="${mine.id}"]`);
    await row.filter({ hasText: `${mine.participants.length} agents` }).waitFor({ timeout: 5_000 });
  });

  it("pins an agent where it is dragged and unpins it", async () => {
    await page.locator("#view canvas").hover();
    await setPaused(true);
    const target = await av(onScreenAgent);
    assert.ok(target, "an agent in the open");
    await page.keyboard.down("Shift");
    await page.mouse.move(target.x, target.y);
    await page.mouse.down();
    await page.mouse.move(target.x + 40, target.y + 30, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await setPaused(false);
    assert.equal(await av(() => window.__av.selected), target.id);
    await page.locator(".notice", { hasText: `pinned #${target.id}` }).waitFor({ timeout: 5_000 });
    await page.click("#unpin");
    await page.locator(".notice", { hasText: `released #${target.id}` }).waitFor({ timeout: 5_000 });
    assert.deepEqual(await av(() => window.__av.errors.filter((e) => !e.startsWith("409"))), []);
  });

  it("tunes the layout's damping with its slider", async () => {
    await waitFor(() => window.__av.physicsAvailable);
    await page.locator("#physics-damping").fill("7.5");
    await eventually("the server took the new damping", async () =>
      (await api("GET", "/api/physics")).json.damping === 7.5);
  });

  it("terminates the selected agent", async () => {
    const id = await av(() => window.__av.findByName("e2e-probe"));
    await av((n) => window.__av.select(n), id);
    await page.click("#terminate");
    await waitFor((n) => !window.__av.agentIds.includes(n), id, 5_000);
    assert.ok(!(await serverAgents()).includes(id));
  });

  it("shows reconnecting while the server is down and recovers when it returns", async () => {
    const connects = await av(() => window.__av.connects);
    await server.stop();
    await waitFor(() => window.__av.link === "reconnecting" && document.querySelector("#link").dataset.state === "reconnecting");
    await shot("reconnecting");
    server = await startServer({ bin: BIN, ports: server.ports, demo: DEMO, apiKey: API_KEY, webRoot: WEB_ROOT });
    await waitFor((n) => window.__av.connects > n && window.__av.phase === "live", connects, 20_000);
    await eventually("page and the new server agree", async () => {
      const [mine, theirs] = [await av(() => window.__av.agentIds.sort((a, b) => a - b)), await serverAgents()];
      return JSON.stringify(mine) === JSON.stringify(theirs) || { page: mine.length, server: theirs.length };
    });
    assert.equal(await av(() => window.__av.findByName("e2e-probe")), -1, "the old server's agent is gone");
    await waitFor(() => window.__av.drawn > 0);
    await shot("recovered");
  });

  it("explains how to connect an orchestrator when the node has no agents", async () => {
    const empty = await startServer({ bin: BIN, ports: await pickPorts(), demo: 0, apiKey: API_KEY, webRoot: WEB_ROOT });
    const other = await browser.context.newPage();
    try {
      await other.goto(`${empty.origin}/`);
      await other.waitForFunction(() => window.__av?.phase === "live", undefined, { timeout: 10_000 });
      const box = other.locator("#empty");
      await box.waitFor({ state: "visible", timeout: 5_000 });
      const text = await box.textContent();
      assert.match(text, /MCP/);
      assert.match(text, /\/api\/hooks/);
      await other.screenshot({ path: path.join(SHOTS, "empty.png") });
    } finally {
      await other.close();
      await empty.stop();
    }
  });
});

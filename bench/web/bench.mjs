#!/usr/bin/env node
// Dashboard benchmark in headless Chromium (software rendering): the time
// to decode and apply one position frame, and, with a live swarm of each
// size, the frames per second the page renders, the time between frames
// and the page's own work per frame (agents, framing, labels, the render
// call), and how often the stream fell behind (resyncs, snapshot loads);
// then, in the same run, the render floor: the frames per second of the
// same picture drawn again with nothing else going on, and our share of it.
// Prints one JSON object per line: {"bench", "params", "value", "unit"}.

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { launch } from "../../web/e2e/browser.mjs";
import { pickPorts, startServer } from "../../web/e2e/server.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const HELP = `usage: bench/web/bench.mjs [options]

Needs web/dist (npm run build in web/) and, for fps, agent-server.
For each size: the decoder, then the live page's frame rate and frame
times, then the render floor (the same picture drawn again with the
stream closed and nothing updated) and the live rate's share of it.

  --agents N,N,...   swarm sizes (default 500,5000)
  --frames N         frames decoded per size (default 2000)
  --seconds S        seconds of rendering measured per size (default 10)
  --server PATH      agent-server (default build/runtime/agent-server)
  --no-fps           only the decoder, no server
  --help             this text`;

const { values: opt } = parseArgs({
  options: {
    agents: { type: "string", default: "500,5000" },
    frames: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    server: { type: "string", default: path.join(root, "build/runtime/agent-server") },
    "no-fps": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

const sizes = opt.agents.split(",").map(Number).filter((n) => n > 0);
const frames = Number(opt.frames);
const seconds = Number(opt.seconds);
const webRoot = path.join(root, "web/dist");
if (!existsSync(path.join(webRoot, "index.html"))) {
  console.error("web/dist is not built: run `npm ci && npm run build` in web/");
  process.exit(2);
}

const emit = (bench, params, value, unit) =>
  console.log(JSON.stringify({ bench, params, value: Number(value.toFixed(4)), unit }));

async function measureSize(agents) {
  const server = await startServer({ bin: opt.server, ports: await pickPorts(), demo: agents, webRoot, extraArgs: ["--max-visible-agents", String(agents)] });
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => window.__av?.phase === "live", undefined, { timeout: 60_000 });
    const decodeMs = await page.evaluate(([n, k]) => window.__av.timeFrames(n, k), [agents, frames]);
    emit("web.decode_apply", { agents, frames, browser: "chromium headless" }, decodeMs, "ms/frame");
    if (opt["no-fps"]) return;
    // The whole swarm on screen before counting.
    await page.waitForFunction((n) => window.__av.drawn >= n * 0.95, agents, { timeout: 120_000 });
    // requestAnimationFrame intervals and the view's work per frame (frame_clock.ts).
    const stream = () => page.evaluate(() => ({
      resyncs: window.__av.resyncs, reloads: window.__av.reloads,
      applyMs: window.__av.relay?.applyMs ?? 0, panelMs: window.__av.panelMs,
    }));
    const before = await stream();
    const t = await page.evaluate((ms) => window.__av.frameTimes(ms), seconds * 1000);
    const after = await stream();
    const drawn = await page.evaluate(() => window.__av.drawn);
    const params = { agents, drawn, seconds, frames: t.frames, renderer: "software (--disable-gpu)", viewport: "1280x720" };
    emit("web.render_fps", params, t.fps, "fps");
    emit("web.frame_interval_p50", params, t.intervalMedian, "ms");
    emit("web.frame_interval_p95", params, t.intervalP95, "ms");
    emit("web.frame_work_p50", params, t.workMedian, "ms");
    emit("web.frame_work_p95", params, t.workP95, "ms");
    // The page's main-thread work between frames: what the stream and the
    // panels take from every second, whatever the frame rate.
    emit("web.stream_apply_ms_per_s", params, (after.applyMs - before.applyMs) / seconds, "ms/s");
    emit("web.panels_ms_per_s", params, (after.panelMs - before.panelMs) / seconds, "ms/s");
    // How often the stream fell behind and the page rebuilt from a snapshot.
    const fps = await page.evaluate(() => window.__av.streamFps);
    emit("web.resyncs_per_min", { ...params, stream_fps: fps }, ((after.resyncs - before.resyncs) * 60) / seconds, "1/min");
    emit("web.snapshot_loads_per_min", { ...params, stream_fps: fps }, ((after.reloads - before.reloads) * 60) / seconds, "1/min");
    // The render floor, last as it stops the page: the same picture drawn
    // again with no stream and no updates, on the same machine in the same
    // run. The ratio is what the page keeps of what this machine can draw.
    const floor = await page.evaluate((ms) => window.__av.renderFloor(ms), seconds * 1000);
    const floorParams = { ...params, frames: floor.frames };
    emit("web.render_floor_fps", floorParams, floor.fps, "fps");
    emit("web.render_floor_interval_p50", floorParams, floor.intervalMedian, "ms");
    emit("web.render_call_p50", floorParams, floor.workMedian, "ms");
    emit("web.render_fps_of_floor", floorParams, floor.fps > 0 ? t.fps / floor.fps : 0, "ratio");
  } finally {
    await browser.close();
    await server.stop();
  }
}

for (const n of sizes) await measureSize(n);

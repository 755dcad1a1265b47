// A read-only view of the page's state at `window.__av`, for the
// end-to-end tests and the benchmark. Nothing here changes the page except
// `select`, which does what a click does, and `renderFloor`, which stops it.

import type { Connection } from "./core/connection";
import type { RelayedSocket } from "./core/relayed_socket";
import { encodeFrame } from "./core/frame_decoder";
import { SwarmStore } from "./core/store";
import type { StreamSync } from "./core/stream_sync";
import type { Controls } from "./ui/controls";
import type { EventLog } from "./ui/event_log";
import type { Notices } from "./ui/notices";
import type { PhysicsControls } from "./ui/physics_controls";
import type { FrameSummary } from "./view/frame_clock";
import type { SwarmView } from "./view/swarm_view";

export interface Parts {
  store: SwarmStore;
  view: SwarmView;
  conn: Connection;
  sync: StreamSync;
  notices: Notices;
  controls: Controls;
  physics: PhysicsControls;
  log: EventLog;
  /** The socket the worker reads, once there is one. */
  stream(): RelayedSocket | null;
  select(numId: number): void;
  selected(): number;
  /** Time spent refreshing the panels since the page loaded, ms. */
  panelMs(): number;
}

export function exposeForTests(p: Parts): void {
  /**
   * Frame timing over the next `ms`: intervals between animation frames
   * and the view's own work per frame (frame_clock.ts).
   */
  const frameTimes = (ms: number) => {
    p.view.clock.reset();
    return new Promise<FrameSummary>((resolve) => setTimeout(() => resolve(p.view.clock.summary()), ms));
  };
  const state = {
    get agentCount() { return p.store.agentCount(); },
    get agentIds() { return [...p.store.agents.keys()]; },
    get positioned() { return p.store.positions.count; },
    get lastSeq() { return p.store.lastSeq; },
    get frames() { return p.store.frames; },
    get badFrames() { return p.store.badFrames; },
    get snapshots() { return p.store.snapshots; },
    get link() { return p.conn.state; },
    get connects() { return p.conn.connects; },
    /** Position frames a second the server sends the page. */
    get streamFps() { return p.conn.fps; },
    /** What the worker that reads the stream handed over (relayed_socket.ts). */
    get relay() {
      const s = p.stream();
      return s ? { batches: s.batches, messages: s.messages, longestWaitMs: s.longestWaitMs, applyMs: s.applyMs } : null;
    },
    /** Time spent refreshing the panels since the page loaded, ms. */
    get panelMs() { return p.panelMs(); },
    get phase() { return p.sync.phase; },
    /** `resync` messages and snapshot loads since the page loaded. */
    get resyncs() { return p.sync.resyncs; },
    get reloads() { return p.sync.reloads; },
    get fps() { return p.view.fps; },
    /** Frames drawn since the page loaded. */
    get viewFrames() { return p.view.framesDrawn; },
    get drawn() { return p.view.drawnAgents; },
    get paused() { return p.view.paused; },
    /** The point the camera orbits. */
    get cameraTarget() { return p.view.controls.target.toArray(); },
    get cameraPosition() { return p.view.camera.position.toArray(); },
    get selected() { return p.selected(); },
    /** Self-framing: following the swarm, snaps done, camera on the fit. */
    get framing() {
      const f = p.view.framer;
      return { following: f.following, fits: f.fits, settled: f.settled, gap: f.gap };
    },
    /** Live coordination labels, and how many of them are shown. */
    get labels() { return p.view.labelCounts(); },
    get errors() { return [...p.notices.errors]; },
    get formation() { return p.controls.formation ? { ...p.controls.formation } : null; },
    get physicsAvailable() { return p.physics.available; },
    agent(numId: number) {
      const a = p.store.agents.get(numId);
      return a ? { numId: a.numId, id: a.id, name: a.name, type: a.type, state: a.state } : null;
    },
    findByName(name: string) {
      for (const a of p.store.agents.values()) if (a.name === name) return a.numId;
      return -1;
    },
    /** Where an agent is drawn: world and page coordinates. */
    where(numId: number) {
      const w = p.view.positionOf(numId);
      return { world: w ? [w.x, w.y, w.z] : null, screen: p.view.screenPosition(numId) };
    },
    /** The agent a click at page point (x, y) would hit, or -1. */
    pick(x: number, y: number) { return p.view.pick(x, y); },
    select(numId: number) { p.select(numId); },
    frameTimes,
    /**
     * The render floor: closes the stream, stops every update, then times
     * frames that only draw the last picture again, over `ms`. What drawing
     * this picture costs the machine, beside which `frameTimes` shows what
     * the page adds. The page stays still afterwards.
     */
    renderFloor(ms: number) {
      p.conn.stop();
      p.view.holdStill();
      return frameTimes(ms);
    },
    focus(numId: number) { return p.view.focus(numId); },
    /**
     * Decodes and applies a keyframe of `agents` agents `n` times into a
     * store of its own, so the page's picture is untouched; returns the
     * median ms per frame over batches (benchmark and performance test).
     */
    timeFrames(agents: number, n: number) {
      const ids = Uint32Array.from({ length: agents }, (_, i) => i + 1);
      const pos = Float32Array.from({ length: 3 * agents }, () => Math.random() * 200 - 100);
      const buffer = encodeFrame(1, Date.now(), true, ids, pos, pos);
      const scratch = new SwarmStore();
      scratch.applyFrame(buffer, 0);
      // Batches of frames, as the browser's clock is coarse (0.1 ms).
      const batch = 20;
      const times: number[] = [];
      for (let i = 0; i < Math.max(1, Math.round(n / batch)); ++i) {
        const t0 = performance.now();
        for (let k = 0; k < batch; ++k) scratch.applyFrame(buffer, t0 + k);
        times.push((performance.now() - t0) / batch);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)];
    },
  };
  Object.defineProperty(window, "__av", { value: Object.freeze(state), writable: false });
}

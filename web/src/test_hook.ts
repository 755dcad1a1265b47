// A read-only view of the page's state at `window.__av`, for the
// end-to-end tests and the benchmark. Nothing here changes the page except
// `select`, which does what a click does.

import type { Connection } from "./core/connection";
import { SwarmStore } from "./core/store";
import type { StreamSync } from "./core/stream_sync";
import type { Controls } from "./ui/controls";
import type { EventLog } from "./ui/event_log";
import type { Notices } from "./ui/notices";
import type { PhysicsControls } from "./ui/physics_controls";
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
  select(numId: number): void;
  selected(): number;
}

export function exposeForTests(p: Parts): void {
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
    get phase() { return p.sync.phase; },
    get fps() { return p.view.fps; },
    get drawn() { return p.view.drawnAgents; },
    get paused() { return p.view.paused; },
    get selected() { return p.selected(); },
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
    select(numId: number) { p.select(numId); },
    focus(numId: number) { return p.view.focus(numId); },
    /**
     * Decodes and applies a frame `n` times into a store of its own, so the
     * page's picture is untouched; returns ms per frame (benchmark).
     */
    timeFrames(buffer: ArrayBuffer, n: number) {
      const scratch = new SwarmStore();
      scratch.applyFrame(buffer, 0);
      const t0 = performance.now();
      for (let i = 0; i < n; ++i) scratch.applyFrame(buffer, t0 + i);
      return (performance.now() - t0) / n;
    },
  };
  Object.defineProperty(window, "__av", { value: Object.freeze(state), writable: false });
}

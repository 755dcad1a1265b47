// The node at a glance: agents by state, message rate, physics tick time,
// viewers and nodes (from /health), and what this page receives.

import { storeOutageLine } from "../core/node_status";
import type { SwarmStore } from "../core/store";
import { AGENT_STATES } from "../core/types";
import { el } from "./dom";

/** The parts of GET /health the panel shows. */
export interface Health {
  status?: string;
  agents?: number;
  physics?: { tickMs?: number; ticks?: number; engine?: string };
  viewers?: number;
  /** The cluster's members, this node first. */
  nodes?: { name: string; state: string }[];
}

/** "3" when every node is up, else "2 of 3 up". */
export function nodesLine(nodes: Health["nodes"]): string {
  if (!nodes || nodes.length === 0) return "1";
  const up = nodes.filter((n) => n.state === "up").length;
  return up === nodes.length ? String(up) : `${up} of ${nodes.length} up`;
}

export interface PageStats {
  fps: number;
  framesPerSecond: number;
  drawn: number;
  badFrames: number;
}

export class SystemPanel {
  health: Health = {};

  constructor(private readonly root: HTMLElement, private readonly store: SwarmStore) {}

  render(page: PageStats): void {
    const byState = this.store.countByState();
    const h = this.health;
    const row = (label: string, value: string, role?: string) =>
      [el("span", { text: label }), el("span", { class: "mono", "data-role": role, text: value })];
    const tick = h.physics?.tickMs;
    const outage = storeOutageLine(this.store.stores);
    this.root.replaceChildren(
      ...(outage ? [el("div", { class: "store-outage", "data-role": "store-outage", text: outage })] : []),
      el("div", { class: "states" },
        ...AGENT_STATES.filter((s) => s !== "TERMINATED").map((s) =>
          el("span", { class: `badge state-${s}`, text: `${s} ${byState[s]}` }))),
      el("div", { class: "kv" },
        ...row("agents", String(this.store.agentCount()), "agents"),
        ...row("messages/s", this.store.messageRate().toFixed(1), "rate"),
        ...row("physics tick", tick === undefined ? "n/a" : `${tick.toFixed(2)} ms`),
        ...row("viewers", h.viewers === undefined ? "n/a" : String(h.viewers)),
        ...row("nodes", nodesLine(h.nodes), "nodes"),
        ...row("frames/s in", page.framesPerSecond.toFixed(0)),
        ...row("drawn", `${page.drawn} · ${page.fps.toFixed(0)} fps`),
        ...row("bad frames", String(page.badFrames))),
    );
  }
}

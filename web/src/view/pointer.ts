// Hover shows a tooltip and the hovered group's label, a click selects (a
// click on empty space clears the selection); dragging with the mouse orbits.

import type { SwarmStore } from "../core/store";
import type { SwarmView } from "./swarm_view";

const CLICK_SLOP_PX = 4;

/** What the tooltip says of the agent under the pointer, kept current. */
export interface HoverTip {
  /**
   * Looks again under a pointer that stayed (agents and the camera move
   * beneath it) and says what is there now: agent, state, load.
   */
  refresh(): void;
}

export function bindPointer(view: SwarmView, store: SwarmStore, select: (numId: number) => void): HoverTip {
  const canvas = view.canvas;
  let down: { x: number; y: number } | null = null;
  let pending: { x: number; y: number } | null = null;
  /** Where the pointer is on the page while it is over the view. */
  let last: { x: number; y: number } | null = null;

  canvas.addEventListener("pointerdown", (e) => { down = { x: e.clientX, y: e.clientY }; });
  canvas.addEventListener("pointerup", (e) => {
    if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > CLICK_SLOP_PX || e.shiftKey) return;
    down = null;
    select(view.pick(e.clientX, e.clientY));
  });
  canvas.addEventListener("pointerleave", () => {
    last = pending = null;
    view.tooltip.hide();
    view.hovered = -1;
    view.pointerAt = null;
  });
  canvas.addEventListener("pointermove", (e) => lookAt({ x: e.clientX, y: e.clientY }));

  // Picking once per animation frame at most, however fast the mouse moves.
  function lookAt(p: { x: number; y: number }): void {
    if (pending === null) requestAnimationFrame(hover);
    pending = last = p;
  }

  function hover(): void {
    const p = pending;
    pending = null;
    if (!p) return;
    const id = view.pick(p.x, p.y);
    view.hovered = id;
    const r = canvas.getBoundingClientRect();
    // A label hidden for room shows while the pointer is where it belongs.
    view.pointerAt = { x: p.x - r.left, y: p.y - r.top };
    const a = store.agents.get(id);
    if (!a) return view.tooltip.hide();
    const load = a.metrics ? ` · load ${Math.round(a.metrics.resourceUtilization * 100)} %` : "";
    // The view puts it beside the pointer, clear of the labels, each frame.
    view.tooltip.show(`${a.name} · ${a.type} · ${a.state}${load}`, view.pointerAt);
  }

  return { refresh: () => { if (last) lookAt(last); } };
}

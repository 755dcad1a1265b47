// Coordinations with pattern, status and progress; a click filters the
// view to one of them.

import type { SwarmStore } from "../core/store";
import { el } from "./dom";

export class CoordinationPanel {
  constructor(
    private readonly root: HTMLElement,
    private readonly store: SwarmStore,
    private readonly choose: (id: string) => void,
  ) {}

  render(chosen: string): void {
    // Live ones first, newest first within each (the map keeps the order in
    // which the page learned of them; the sort is stable).
    const all = [...this.store.coordinations.values()].reverse();
    const rank = (s: string) => (s === "ACTIVE" || s === "FORMING" ? 0 : 1);
    all.sort((a, b) => rank(a.status) - rank(b.status));
    if (all.length === 0) {
      this.root.replaceChildren(el("p", { class: "hint", text: "No coordinations yet." }));
      return;
    }
    this.root.replaceChildren(
      ...all.slice(0, 30).map((c) => {
        const pct = Math.round(c.progress * 100);
        const row = el("div", { class: `coord${c.id === chosen ? " chosen" : ""}`, "data-id": c.id, title: c.task ?? c.detail ?? "" },
          el("span", { class: `pattern pattern-${c.pattern}`, text: c.pattern }),
          el("span", { class: `badge status-${c.status}`, text: c.status }),
          el("span", { class: "mono", text: `${c.participants.length} agents` }),
          el("div", { class: "bar" }, el("div", { style: `width:${pct}%` })),
          el("span", { class: "pct", text: `${pct} %` }));
        row.addEventListener("click", () => this.choose(c.id === chosen ? "" : c.id));
        return row;
      }),
    );
  }
}

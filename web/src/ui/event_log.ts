// The live event log: filtered by text or type, and pausable so an
// operator can read it while the swarm keeps going.

import type { LogEntry, SwarmStore } from "../core/store";
import { clock, el } from "./dom";

const SHOWN = 150;

export class EventLog {
  paused = false;
  private frozen: readonly LogEntry[] = [];
  private lastSeq = -1;

  constructor(
    private readonly list: HTMLElement,
    private readonly filter: HTMLInputElement,
    private readonly typeFilter: HTMLSelectElement,
    private readonly pause: HTMLButtonElement,
    private readonly store: SwarmStore,
    private readonly select: (numId: number) => void,
  ) {
    pause.addEventListener("click", () => this.setPaused(!this.paused));
    filter.addEventListener("input", () => this.render(true));
    typeFilter.addEventListener("change", () => this.render(true));
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.frozen = [...this.store.log.toArray()];
    this.pause.textContent = paused ? "resume" : "pause";
    this.pause.setAttribute("aria-pressed", String(paused));
    this.render(true);
  }

  render(force = false): void {
    const source = this.paused ? this.frozen : this.store.log.toArray();
    const newest = source.length ? source[source.length - 1].seq : 0;
    if (!force && newest === this.lastSeq) return;
    this.lastSeq = newest;
    const text = this.filter.value.trim().toLowerCase();
    const type = this.typeFilter.value;
    const rows: HTMLElement[] = [];
    for (let i = source.length - 1; i >= 0 && rows.length < SHOWN; --i) {
      const e = source[i];
      if (type && !e.type.startsWith(type)) continue;
      if (text && !e.text.toLowerCase().includes(text) && !e.type.includes(text)) continue;
      const row = el("li", { class: `ev ev-${e.type.replace(".", "-")}` },
        el("span", { class: "mono", text: clock(e.time) }), " ",
        el("span", { class: "ev-type", text: e.type }), " ", e.text);
      if (e.agents[0]) row.addEventListener("click", () => this.select(e.agents[0]));
      rows.push(row);
    }
    this.list.replaceChildren(...rows);
  }
}

// Steering: spawn and terminate agents, start a coordination, run and
// release a formation, pin an agent by dragging it. Writes need the API
// key, entered once and kept in session storage.

import type { SwarmView } from "../view/swarm_view";
import type { ApiClient } from "./api_client";
import { byId } from "./dom";
import type { Filters } from "./filters";
import type { Notices } from "./notices";

/** Agents a formation started from the page takes at most. */
const FORMATION_LIMIT = 1000;
const COORDINATION_SIZE = 5;
/** Pin updates while dragging, at most one per this many ms. */
const DRAG_SEND_MS = 80;

interface Formation {
  id: string;
  agents: number[];
  targets: Array<{ x: number; y: number; z: number }>;
}

export class Controls {
  formation: Formation | null = null;
  private dragging = -1;
  private lastDragSend = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly view: SwarmView,
    private readonly filters: Filters,
    private readonly notices: Notices,
    private readonly selected: () => number,
    private readonly select: (numId: number) => void,
  ) {
    this.keyForm();
    byId("spawn-form").addEventListener("submit", (e) => { e.preventDefault(); void this.spawn(); });
    byId("terminate").addEventListener("click", () => void this.terminate());
    byId("unpin").addEventListener("click", () => void this.unpin());
    byId("coordinate").addEventListener("click", () => void this.coordinate());
    byId("formation-run").addEventListener("click", () => void this.runFormation());
    byId("formation-release").addEventListener("click", () => void this.releaseFormation());
    this.dragToPin();
  }

  /** Runs a write; shows the server's error when it fails. */
  private async write<T>(what: string, method: string, path: string, body?: unknown): Promise<T | undefined> {
    if (!this.api.key) this.notices.info(`${what}: no API key entered; trying without one`);
    try {
      return await this.api.request<T>(method, path, body);
    } catch (e) {
      this.notices.error(e);
      return undefined;
    }
  }

  private keyForm(): void {
    const input = byId<HTMLInputElement>("api-key");
    const state = byId("api-key-state");
    const show = () => { state.textContent = this.api.key ? "key set" : "no key"; };
    show();
    byId("api-key-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.api.key = input.value.trim();
      input.value = "";
      show();
    });
  }

  async spawn(): Promise<void> {
    const type = byId<HTMLSelectElement>("spawn-type").value;
    const name = byId<HTMLInputElement>("spawn-name").value.trim();
    const agent = await this.write<{ numId: number; name: string }>("spawn", "POST", "/api/agents",
      { type, ...(name ? { name } : {}), provenance: "measured" });
    if (!agent) return;
    byId<HTMLInputElement>("spawn-name").value = "";
    this.notices.info(`spawned ${agent.name} (#${agent.numId})`);
    this.select(agent.numId);
  }

  async terminate(): Promise<void> {
    const id = this.selected();
    if (id < 0) return this.notices.info("select an agent to terminate");
    const ended = await this.write<{ name: string }>("terminate", "DELETE", `/api/agents/${id}?reason=operator`);
    if (ended) this.notices.info(`terminated ${ended.name}`);
  }

  async unpin(): Promise<void> {
    const id = this.selected();
    if (id < 0) return;
    if (await this.write("release", "DELETE", `/api/agents/${id}/position`)) this.notices.info(`released #${id}`);
  }

  /** The selection (if any) and the next agents the filters show. */
  async coordinate(): Promise<void> {
    const pattern = byId<HTMLSelectElement>("coordination-pattern").value;
    const first = this.selected();
    const others = this.filters.matching(COORDINATION_SIZE + 1).filter((n) => n !== first);
    const participants = (first >= 0 ? [first, ...others] : others).slice(0, COORDINATION_SIZE);
    if (participants.length < 2) return this.notices.info("a coordination needs two agents in view");
    const c = await this.write<{ id: string }>("coordination", "POST", "/api/coordinations",
      { pattern, participants, task: "started from the dashboard" });
    if (c) this.notices.info(`${pattern} coordination ${c.id.slice(0, 8)} started`);
  }

  /** Arranges the agents the filters show. */
  async runFormation(): Promise<void> {
    const pattern = byId<HTMLSelectElement>("formation-pattern").value;
    const agents = this.filters.matching(FORMATION_LIMIT);
    if (agents.length === 0) return this.notices.info("no agents in view");
    const spacing = Math.max(2, Number(byId<HTMLInputElement>("formation-spacing").value) || 5);
    const f = await this.write<Formation>("formation", "POST", "/api/formations", { pattern, agents, spacing });
    if (!f) return;
    this.formation = f;
    this.notices.info(`${pattern} formation of ${f.agents.length} agents`);
    // Follow the agents as they glide into the shape.
    this.view.fit();
  }

  async releaseFormation(): Promise<void> {
    if (!this.formation) return this.notices.info("no formation to release");
    const f = this.formation;
    if (await this.write("release", "DELETE", `/api/formations/${f.id}`)) {
      this.formation = null;
      this.notices.info(`released formation ${f.id.slice(0, 8)}`);
    }
  }

  /** Dragging an agent moves it and pins it where it is let go. */
  private dragToPin(): void {
    const canvas = this.view.canvas;
    let through: ReturnType<SwarmView["positionOf"]> = null;
    canvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !e.shiftKey) return;
      const id = this.view.pick(e.clientX, e.clientY);
      if (id < 0) return;
      through = this.view.positionOf(id);
      if (!through) return;
      this.dragging = id;
      // Keep the orbit controls (registered earlier) from panning.
      e.stopImmediatePropagation();
      this.view.controls.enabled = false;
      canvas.setPointerCapture(e.pointerId);
      this.select(id);
    }, { capture: true });
    canvas.addEventListener("pointermove", (e) => {
      if (this.dragging < 0 || !through) return;
      const now = performance.now();
      if (now - this.lastDragSend < DRAG_SEND_MS) return;
      this.lastDragSend = now;
      void this.pin(this.dragging, e.clientX, e.clientY, through);
    });
    const end = (e: PointerEvent) => {
      if (this.dragging < 0 || !through) return;
      const id = this.dragging;
      this.dragging = -1;
      this.view.controls.enabled = true;
      void this.pin(id, e.clientX, e.clientY, through).then((ok) => ok && this.notices.info(`pinned #${id}; "unpin" releases it`));
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  }

  private async pin(id: number, x: number, y: number, through: NonNullable<ReturnType<SwarmView["positionOf"]>>): Promise<boolean> {
    const p = this.view.pointOnPlane(x, y, through);
    if (!p) return false;
    const ok = await this.write("pin", "PUT", `/api/agents/${id}/position`, { position: { x: p.x, y: p.y, z: p.z } });
    return ok !== undefined;
  }
}

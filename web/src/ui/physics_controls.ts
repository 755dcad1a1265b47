// Sliders for the layout's repulsion, spring stiffness and damping, through
// GET and PUT /api/physics. A node without that route disables them and
// says so.

import { ApiError, type ApiClient } from "./api_client";
import { byId } from "./dom";
import type { Notices } from "./notices";

const FIELDS = [
  { id: "physics-repulsion", key: "repulsion" },
  { id: "physics-spring", key: "springK" },
  { id: "physics-damping", key: "damping" },
] as const;

type Params = Record<(typeof FIELDS)[number]["key"], number>;

export class PhysicsControls {
  available = false;

  constructor(private readonly api: ApiClient, private readonly notices: Notices) {
    for (const f of FIELDS) {
      const input = byId<HTMLInputElement>(f.id);
      input.addEventListener("input", () => this.show(input));
      input.addEventListener("change", () => void this.send(f.key, Number(input.value)));
    }
  }

  async load(): Promise<void> {
    try {
      this.fill(await this.api.request<Params>("GET", "/api/physics"));
      this.setAvailable(true, "");
    } catch (e) {
      const missing = e instanceof ApiError && (e.status === 404 || e.status === 405);
      this.setAvailable(false, missing ? "This node does not offer /api/physics." : `physics: ${e instanceof Error ? e.message : e}`);
    }
  }

  private async send(key: string, value: number): Promise<void> {
    try {
      this.fill(await this.api.request<Params>("PUT", "/api/physics", { [key]: value }));
    } catch (e) {
      this.notices.error(e);
      void this.load();
    }
  }

  private fill(p: Params): void {
    for (const f of FIELDS) {
      const input = byId<HTMLInputElement>(f.id);
      if (typeof p[f.key] === "number") input.value = String(p[f.key]);
      this.show(input);
    }
  }

  private show(input: HTMLInputElement): void {
    const out = input.nextElementSibling as HTMLOutputElement | null;
    if (out) out.value = input.value;
  }

  private setAvailable(on: boolean, note: string): void {
    this.available = on;
    byId<HTMLFieldSetElement>("physics").disabled = !on;
    byId("physics-note").textContent = note;
  }
}

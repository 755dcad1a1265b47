// What the view shows: agents by type, state and coordination.

import type { AgentView, SwarmStore } from "../core/store";
import type { Coordination } from "../core/types";
import { AGENT_STATES } from "../core/types";
import { setOptions } from "./dom";
import { isLive } from "../view/groups";

export class Filters {
  type = "";
  state = "";
  coordination = "";
  private members = new Set<number>();

  constructor(
    private readonly store: SwarmStore,
    private readonly typeSelect: HTMLSelectElement,
    stateSelect: HTMLSelectElement,
    private readonly coordSelect: HTMLSelectElement,
    onChange: () => void,
  ) {
    setOptions(stateSelect, AGENT_STATES.filter((s) => s !== "TERMINATED"), "all states");
    const listen = (s: HTMLSelectElement, set: (v: string) => void) =>
      s.addEventListener("change", () => { set(s.value); onChange(); });
    listen(typeSelect, (v) => { this.type = v; });
    listen(stateSelect, (v) => { this.state = v; });
    listen(coordSelect, (v) => { this.chooseCoordination(v); });
  }

  chooseCoordination(id: string): void {
    this.coordination = id;
    this.coordSelect.value = id;
    this.refreshMembers();
  }

  /** Refreshes the choices from the store (types and coordinations come and go). */
  refresh(): void {
    const types = new Set<string>();
    for (const a of this.store.agents.values()) types.add(a.type);
    setOptions(this.typeSelect, [...types].sort(), "all types");
    const coords = [...this.store.coordinations.values()].filter((c) => isLive(c) || c.id === this.coordination).map((c) => c.id);
    setOptions(this.coordSelect, coords, "all coordinations");
    this.coordination = this.coordSelect.value;
    this.refreshMembers();
  }

  readonly agent = (a: AgentView): boolean =>
    (!this.type || a.type === this.type) &&
    (!this.state || a.state === this.state) &&
    (!this.coordination || this.members.has(a.numId));

  readonly coordinationShown = (c: Coordination): boolean => !this.coordination || c.id === this.coordination;

  /** The agents the filters let through, lowest numbers first. */
  matching(limit = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    for (const a of this.store.agents.values()) if (this.agent(a)) out.push(a.numId);
    out.sort((x, y) => x - y);
    return out.slice(0, limit);
  }

  private refreshMembers(): void {
    this.members = new Set(this.store.coordinations.get(this.coordination)?.participants ?? []);
  }
}

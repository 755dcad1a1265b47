import type { Snapshot, StreamEvent } from "../src/core/types";

export function agent(numId: number, extra: Partial<Snapshot["agents"][number]> = {}): Snapshot["agents"][number] {
  return { id: `uuid-${numId}`, numId, name: `agent-${numId}`, type: "coder", state: "IDLE", provenance: "measured", ...extra };
}

export function snapshot(seq: number, ids: number[]): Snapshot {
  return { seq, time: 1000, agents: ids.map((n) => agent(n)), coordinations: [] };
}

export function spawned(seq: number, numId: number): StreamEvent {
  return { seq, time: 2000 + seq, type: "agent.spawned", data: { ...agent(numId) } };
}

export function stateChange(seq: number, numId: number, to: string): StreamEvent {
  return { seq, time: 2000 + seq, type: "agent.state", data: { numId, from: "IDLE", to, reason: "test" } };
}

/** A clock for code that schedules: run() fires what is due. */
export class FakeClock {
  now = 0;
  private timers: Array<{ at: number; fn: () => void }> = [];
  schedule = (fn: () => void, ms: number): void => {
    this.timers.push({ at: this.now + ms, fn });
  };
  advance(ms: number): void {
    this.now += ms;
    const due = this.timers.filter((t) => t.at <= this.now);
    this.timers = this.timers.filter((t) => t.at > this.now);
    due.forEach((t) => t.fn());
  }
  get pending(): number {
    return this.timers.length;
  }
}

/** Resolves when queued promise callbacks have run. */
export const flush = () => new Promise<void>((r) => setTimeout(r, 0));

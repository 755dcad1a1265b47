import { describe, expect, it } from "vitest";
import { PositionTable } from "../src/core/position_table";

describe("PositionTable", () => {
  it("blends from the drawn position to the newest one", () => {
    const t = new PositionTable(2);
    t.blendMs = 100;
    t.now = 0;
    t.place(5, 0, 0, 0, 0, 0, 0);
    t.now = 1000;
    t.place(5, 10, 0, 0, 0, 0, 0);
    const out = [0, 0, 0];
    t.drawn(t.slotOf(5), 1050, out);
    expect(out[0]).toBeCloseTo(5);
    // A new position mid-blend starts from where the agent is drawn.
    t.now = 1050;
    t.place(5, 20, 0, 0, 0, 0, 0);
    t.drawn(t.slotOf(5), 1050, out);
    expect(out[0]).toBeCloseTo(5);
    t.drawn(t.slotOf(5), 2000, out);
    expect(out[0]).toBeCloseTo(20);
  });

  it("grows and keeps slots dense when agents leave", () => {
    const t = new PositionTable(1);
    for (let id = 1; id <= 5; ++id) t.place(id, id, 0, 0, 0, 0, 0);
    expect(t.count).toBe(5);
    expect(t.capacity).toBeGreaterThanOrEqual(5);
    t.remove(2);
    expect(t.count).toBe(4);
    expect(t.has(2)).toBe(false);
    const out = [0, 0, 0];
    t.drawn(t.slotOf(5), 1e9, out);
    expect(out[0]).toBe(5);
    expect(t.slotOf(5)).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { provenanceOf, SwarmStore, STALE_AFTER_MS } from "../src/core/store";
import { isLive, topology } from "../src/view/groups";
import { shapeName, sizeOf } from "../src/view/palette";
import { snapshot } from "./helpers";

describe("how agents and groups are drawn", () => {
  it("gives each coordination pattern its topology", () => {
    expect(topology("pipeline", 4)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(topology("hierarchical", 3)).toEqual([[0, 1], [0, 2]]);
    expect(topology("mesh", 4)).toHaveLength(6);
    expect(topology("consensus", 3)).toEqual([[0, 1], [1, 2], [2, 0]]);
    expect(topology("consensus", 2)).toEqual([[0, 1]]);
    expect(topology("mesh", 100)).toHaveLength(400);
  });

  it("draws only forming and active coordinations", () => {
    const c = { id: "c", pattern: "mesh", progress: 0, participants: [] };
    expect(isLive({ ...c, status: "ACTIVE" })).toBe(true);
    expect(isLive({ ...c, status: "FORMING" })).toBe(true);
    expect(isLive({ ...c, status: "COMPLETED" })).toBe(false);
  });

  it("maps types to shapes and load to size", () => {
    expect(shapeName("coder")).toBe("box");
    expect(shapeName("researcher")).toBe("sphere");
    expect(shapeName("some-new-type")).toBe(shapeName("some-new-type"));
    expect(sizeOf(0)).toBeLessThan(sizeOf(1));
    expect(sizeOf(5)).toBe(sizeOf(1));
    expect(sizeOf(undefined)).toBe(sizeOf(0.3));
  });

  it("marks a measured agent stale after a minute without news, never a simulated one", () => {
    const s = new SwarmStore();
    s.applySnapshot(snapshot(1, [1, 2]));
    const measured = s.agents.get(1)!;
    const simulated = Object.assign(s.agents.get(2)!, { provenance: "simulated" });
    const t = measured.lastSeen;
    expect(provenanceOf(measured, t + 1000)).toEqual({ label: "measured", ageMs: 1000 });
    expect(provenanceOf(measured, t + STALE_AFTER_MS + 1).label).toBe("stale");
    expect(provenanceOf(simulated, t + 10 * STALE_AFTER_MS).label).toBe("simulated");
  });
});

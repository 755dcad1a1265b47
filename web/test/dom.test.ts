import { describe, expect, it } from "vitest";
import { age, clock } from "../src/ui/dom";

describe("clock", () => {
  it("shows the local time of day, 24-hour, to the second", () => {
    const t = new Date(2026, 11, 7, 14, 3, 27, 900).getTime();
    expect(clock(t)).toMatch(/^14.03.27$/);
  });

  it("shows midnight as hour 00, not 24", () => {
    expect(clock(new Date(2026, 11, 7, 0, 0, 5).getTime())).toMatch(/^00.00.05$/);
  });
});

describe("age", () => {
  it("counts seconds, then minutes, then hours", () => {
    expect(age(4_400)).toBe("4 s");
    expect(age(-100)).toBe("0 s");
    expect(age(180_000)).toBe("3 min");
    expect(age(2 * 3_600_000)).toBe("2 h");
  });
});

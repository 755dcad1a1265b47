import { describe, expect, it } from "vitest";
import { LabelLayout, onLabel, type LabelCandidate } from "../src/view/label_layout";

const LABEL = { w: 100, h: 20 };
const VIEW = { w: 800, h: 600 };
const at = (x: number, y: number, depth: number, first = false): LabelCandidate => ({ x, y, depth, first });

function place(cands: LabelCandidate[], view = VIEW): number[] {
  const out: number[] = [];
  new LabelLayout().place(cands, LABEL, view, out);
  return out;
}

describe("placing coordination labels", () => {
  it("keeps the nearest where it belongs, stacks the next below and above, hides the rest", () => {
    const out = place([at(400, 300, 30), at(400, 300, 10), at(400, 300, 20), at(400, 300, 40)]);
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(22);
    expect(out[0]).toBe(-22);
    expect(out[3]).toBeNaN();
  });

  it("puts the hovered or selected group's label before nearer ones", () => {
    const out = place([at(400, 300, 10), at(405, 300, 90, true)]);
    expect(out[1]).toBe(0);
    expect(out[0]).toBe(22);
  });

  it("knows when the pointer is where a label belongs", () => {
    expect(onLabel({ x: 400, y: 305 }, 400, 300, LABEL)).toBe(true);
    expect(onLabel({ x: 449, y: 319 }, 400, 300, LABEL)).toBe(true);
    expect(onLabel({ x: 451, y: 305 }, 400, 300, LABEL)).toBe(false);
    expect(onLabel({ x: 400, y: 299 }, 400, 300, LABEL)).toBe(false);
    expect(onLabel(null, 400, 300, LABEL)).toBe(false);
  });

  it("leaves labels that do not meet alone", () => {
    expect(place([at(100, 100, 5), at(300, 100, 1), at(100, 300, 3)])).toEqual([0, 0, 0]);
  });

  it("hides labels that would stick out of the view or sit behind the camera", () => {
    const out = place([at(20, 100, 1), at(400, 590, 1), at(780, 100, 1), at(NaN, 100, 1)]);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(-22);
    expect(out[2]).toBeNaN();
    expect(out[3]).toBeNaN();
  });

  it("never shows two overlapping labels, however crowded", () => {
    let seed = 3;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const cands = Array.from({ length: 500 }, () => at(300 + 200 * rand(), 200 + 200 * rand(), rand() * 100, rand() < 0.02));
    const layout = new LabelLayout();
    const out: number[] = [];
    layout.place(cands, LABEL, VIEW, out);
    const rects = cands.flatMap((c, i) => Number.isNaN(out[i]) ? [] : [[c.x - 50, c.y + out[i], c.x + 50, c.y + out[i] + 20]]);
    expect(rects.length).toBeGreaterThan(10);
    for (let i = 0; i < rects.length; ++i) {
      const a = rects[i];
      expect(a[0] >= 0 && a[1] >= 0 && a[2] <= VIEW.w && a[3] <= VIEW.h).toBe(true);
      for (let j = i + 1; j < rects.length; ++j) {
        const b = rects[j];
        expect(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]).toBe(false);
      }
    }
    // Reused for the next frame: the same answer from the same input.
    const again: number[] = [];
    layout.place(cands, LABEL, VIEW, again);
    expect(again).toEqual(out);
  });
});

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

  it("puts the hovered agent's groups before a label the pointer is on", () => {
    const out = place([at(400, 300, 10, true), { ...at(405, 300, 90), focused: true }]);
    expect(out[1]).toBe(0);
    expect(out[0]).toBe(22);
  });

  it("tells whether a box is clear of the shown labels, or of the focused ones", () => {
    const layout = new LabelLayout();
    const out: number[] = [];
    // Candidate 0 at (50..150, 100..120), candidate 1, focused, at (350..450, 300..320).
    layout.place([at(100, 100, 10), { ...at(400, 300, 90), focused: true }], LABEL, VIEW, out);
    expect(out).toEqual([0, 0]);
    expect(layout.isFree(60, 90, 140, 110)).toBe(false);
    expect(layout.isFree(60, 90, 140, 110, true)).toBe(true);
    expect(layout.isFree(380, 310, 500, 330, true)).toBe(false);
    expect(layout.isFree(600, 500, 700, 520)).toBe(true);
    // A focused label that found no room covers nothing.
    layout.place([at(400, 300, 10), at(400, 300, 20), at(400, 300, 30), { ...at(400, 500, 40), focused: true }], LABEL, { w: 800, h: 400 }, out);
    expect(out[3]).toBeNaN();
    expect(layout.isFree(380, 300, 500, 320, true)).toBe(true);
    expect(layout.isFree(380, 300, 500, 320)).toBe(false);
  });

  it("keeps track of which labels are focused past its first 64", () => {
    const layout = new LabelLayout();
    const out: number[] = [];
    const cands = Array.from({ length: 100 }, (_, i) => ({ ...at(60 + 110 * (i % 7), 30 + 40 * Math.floor(i / 7), i), focused: i === 90 }));
    layout.place(cands, LABEL, VIEW, out);
    const c = cands[90];
    expect(out[90]).toBe(0);
    expect(layout.isFree(c.x - 10, c.y + 5, c.x + 10, c.y + 10, true)).toBe(false);
    const d = cands[89];
    expect(layout.isFree(d.x - 10, d.y + 5, d.x + 10, d.y + 10, true)).toBe(true);
    expect(layout.isFree(d.x - 10, d.y + 5, d.x + 10, d.y + 10)).toBe(false);
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

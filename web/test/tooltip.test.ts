import { describe, expect, it } from "vitest";
import type { Free } from "../src/view/label_layout";
import { tooltipPlace } from "../src/view/tooltip";

const VIEW = { w: 800, h: 600 };
const TIP = { w: 200, h: 24 };
const anywhere: Free = () => true;
const nowhere: Free = () => false;
/** Free where the box misses the rectangle [l, t, r, b]. */
const avoiding = (l: number, t: number, r: number, b: number): Free =>
  (bl, bt, br, bb) => br <= l || bl >= r || bb <= t || bt >= b;

describe("tooltipPlace", () => {
  it("goes below and to the right of the pointer when nothing is there", () => {
    expect(tooltipPlace({ x: 100, y: 100 }, TIP, VIEW, [anywhere])).toEqual({ left: 112, top: 112 });
  });

  it("goes above when a label lies below the pointer", () => {
    // The hovered group's label, hanging just below the pointer.
    const free = avoiding(60, 105, 236, 127);
    expect(tooltipPlace({ x: 100, y: 100 }, TIP, VIEW, [free])).toEqual({ left: 112, top: 64 });
  });

  it("goes to the left when labels lie right of the pointer, above and below", () => {
    const free = avoiding(290, 40, 600, 160);
    expect(tooltipPlace({ x: 300, y: 100 }, TIP, VIEW, [free])).toEqual({ left: 88, top: 112 });
  });

  it("in a crowd, keeps clear of the label the hover revealed", () => {
    const revealed = avoiding(250, 105, 426, 127);
    expect(tooltipPlace({ x: 300, y: 100 }, TIP, VIEW, [nowhere, revealed])).toEqual({ left: 312, top: 64 });
  });

  it("stays inside the view near its edges", () => {
    expect(tooltipPlace({ x: 790, y: 590 }, TIP, VIEW, [anywhere])).toEqual({ left: 578, top: 554 });
  });

  it("covers a label rather than leave the view when no side is clear", () => {
    expect(tooltipPlace({ x: 790, y: 100 }, TIP, VIEW, [nowhere, nowhere])).toEqual({ left: 578, top: 112 });
  });
});

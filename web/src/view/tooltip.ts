// The hover tooltip: beside the pointer, on the first side where it covers
// no shown label, or failing that none that the hover revealed. The hovered
// group's label shows a frame after the hover, often right where a tooltip
// below and to the right would be, so the side is chosen every frame, after
// the labels are laid out.

import type { Free, Size } from "./label_layout";

const OFFSET_PX = 12;
/** Below right, above right, below left, above left of the pointer. */
const SIDES: readonly (readonly [number, number])[] = [[1, 1], [1, -1], [-1, 1], [-1, -1]];

/**
 * Where a box of `size` goes beside the pointer at `at` (view px): the first
 * side inside the view that passes `clear[0]`, else `clear[1]`, and so on,
 * else the first side inside the view, else below right.
 */
export function tooltipPlace(at: { x: number; y: number }, size: Size, view: Size, clear: readonly Free[]): { left: number; top: number } {
  const inside: { left: number; top: number }[] = [];
  for (const [sx, sy] of SIDES) {
    const left = sx > 0 ? at.x + OFFSET_PX : at.x - OFFSET_PX - size.w;
    const top = sy > 0 ? at.y + OFFSET_PX : at.y - OFFSET_PX - size.h;
    if (left >= 0 && top >= 0 && left + size.w <= view.w && top + size.h <= view.h) inside.push({ left, top });
  }
  for (const free of clear) {
    const p = inside.find(({ left, top }) => free(left, top, left + size.w, top + size.h));
    if (p) return p;
  }
  return inside[0] ?? { left: at.x + OFFSET_PX, top: at.y + OFFSET_PX };
}

export class Tooltip {
  private at: { x: number; y: number } | null = null;
  private size: Size = { w: 0, h: 0 };
  private left = NaN;
  private top = NaN;
  /** The view and labels of the last frame, to place a new tooltip at once. */
  private view: Size = { w: 0, h: 0 };
  private clear: readonly Free[] = [];

  constructor(private readonly el: HTMLElement) {}

  /** Shows `text` beside the pointer at `at` (view px). */
  show(text: string, at: { x: number; y: number }): void {
    this.el.hidden = false;
    if (this.el.textContent !== text) {
      this.el.textContent = text;
      // Measured once per text, not per frame: a read after the frame's
      // style writes would lay the page out again.
      this.size = { w: this.el.offsetWidth, h: this.el.offsetHeight };
    }
    this.at = at;
    this.place(this.view, this.clear);
  }

  hide(): void {
    this.el.hidden = true;
    this.at = null;
  }

  /** Moves the tooltip to its side for this frame's labels. */
  place(view: Size, clear: readonly Free[]): void {
    this.view = view;
    this.clear = clear;
    if (!this.at) return;
    const p = tooltipPlace(this.at, this.size, view, clear);
    if (p.left !== this.left) this.el.style.left = `${(this.left = p.left)}px`;
    if (p.top !== this.top) this.el.style.top = `${(this.top = p.top)}px`;
  }
}

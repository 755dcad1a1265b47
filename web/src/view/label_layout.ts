// Which coordination labels to show so that none covers another: nearest
// to the camera first (the hovered or selected agent's groups before all,
// then those whose place the pointer is on), each
// where it belongs or, failing that, stacked just below or above; a label
// with no free slot is hidden until hovered. Greedy and allocation-free per
// call: a few hundred labels cost well under a millisecond.

export interface LabelCandidate {
  /** Anchor on the view, px: the label hangs below it, centred. */
  x: number;
  y: number;
  /** Distance from the camera: nearer labels win. */
  depth: number;
  /** Placed before the rest: the pointer is where the label belongs. */
  first: boolean;
  /**
   * A group of the hovered or selected agent: placed before all others, and
   * what a tooltip keeps clear of (isFree).
   */
  focused?: boolean;
}

export interface Size {
  w: number;
  h: number;
}

/** Whether point `p` is on the box of a label anchored at (x, y), in its own place. */
export function onLabel(p: { x: number; y: number } | null, x: number, y: number, label: Size): boolean {
  return p !== null && Math.abs(p.x - x) <= label.w / 2 && p.y >= y && p.y <= y + label.h;
}

/** Whether a box (left, top, right, bottom, view px) is clear of something. */
export type Free = (left: number, top: number, right: number, bottom: number) => boolean;

/** Numbers per accepted rectangle in LabelLayout.rects. */
const RECT = 5;

/** Vertical slots tried, in label heights (plus a gap): own place, below, above. */
const SLOTS = [0, 1, -1];
const GAP_PX = 2;

export class LabelLayout {
  private order: number[] = [];
  /** Accepted rectangles: left, top, right, bottom, and 1 when focused. */
  private rects = new Float64Array(RECT * 64);
  private accepted = 0;

  /**
   * Writes each candidate's vertical offset in px into `out` (same index),
   * or NaN where it stays hidden. Accepted labels lie wholly inside the view
   * and pairwise apart.
   */
  place(cands: readonly LabelCandidate[], label: Size, view: Size, out: number[]): void {
    const n = cands.length;
    out.length = n;
    this.order.length = n;
    for (let i = 0; i < n; ++i) this.order[i] = i;
    this.order.sort((a, b) => {
      const ca = cands[a], cb = cands[b];
      if (!!ca.focused !== !!cb.focused) return ca.focused ? -1 : 1;
      if (ca.first !== cb.first) return ca.first ? -1 : 1;
      return ca.depth - cb.depth;
    });
    this.accepted = 0;
    for (const i of this.order) {
      const c = cands[i];
      out[i] = NaN;
      const left = c.x - label.w / 2;
      if (left < 0 || left + label.w > view.w || !Number.isFinite(left)) continue;
      for (const slot of SLOTS) {
        const top = c.y + slot * (label.h + GAP_PX);
        if (top < 0 || top + label.h > view.h) continue;
        if (this.isFree(left, top, left + label.w, top + label.h)) {
          this.accept(!!c.focused, left, top, left + label.w, top + label.h);
          out[i] = top - c.y;
          break;
        }
      }
    }
  }

  /**
   * Whether a box touches none of the labels accepted so far (a gap apart);
   * with `focusedOnly`, none of the focused ones.
   */
  isFree(l: number, t: number, r: number, b: number, focusedOnly = false): boolean {
    const q = this.rects;
    for (let k = 0; k < RECT * this.accepted; k += RECT) {
      if (focusedOnly && !q[k + 4]) continue;
      // Touching edges do not overlap; a gap keeps them apart to the eye.
      if (l < q[k + 2] + GAP_PX && r + GAP_PX > q[k] && t < q[k + 3] + GAP_PX && b + GAP_PX > q[k + 1]) return false;
    }
    return true;
  }

  private accept(focused: boolean, l: number, t: number, r: number, b: number): void {
    if (RECT * (this.accepted + 1) > this.rects.length) {
      const next = new Float64Array(2 * this.rects.length);
      next.set(this.rects);
      this.rects = next;
    }
    const q = this.rects;
    const k = RECT * this.accepted++;
    q[k] = l; q[k + 1] = t; q[k + 2] = r; q[k + 3] = b; q[k + 4] = focused ? 1 : 0;
  }
}

// Agent positions in flat typed arrays, one slot per agent. A frame moves
// an agent's target; the view eases each agent from where it was drawn
// towards its target over one frame interval, so motion stays smooth when
// frames arrive unevenly.

import type { RecordSink } from "./frame_decoder";

const INITIAL_CAPACITY = 256;

export class PositionTable implements RecordSink {
  /** Slots in use: 0..count-1. */
  count = 0;
  capacity = 0;
  ids = new Uint32Array(0);
  /** Where the agent was drawn when its newest position arrived. */
  from = new Float32Array(0);
  /** The newest position from the server. */
  to = new Float32Array(0);
  velocity = new Float32Array(0);
  /** Arrival time of the newest position (ms, the view's clock). */
  stamp = new Float64Array(0);
  /** Frames take this long to blend in (ms); follows the server's rate. */
  blendMs = 50;
  /** The clock `place` uses; set before applying a frame. */
  now = 0;
  private slots = new Map<number, number>();

  constructor(capacity = INITIAL_CAPACITY) {
    this.grow(capacity);
  }

  slotOf(numId: number): number {
    return this.slots.get(numId) ?? -1;
  }

  has(numId: number): boolean {
    return this.slots.has(numId);
  }

  /** The slot of `numId`, created at `x, y, z` when missing. */
  ensure(numId: number, x = 0, y = 0, z = 0): number {
    const known = this.slots.get(numId);
    if (known !== undefined) return known;
    if (this.count === this.capacity) this.grow(this.capacity * 2);
    const s = this.count++;
    this.slots.set(numId, s);
    this.ids[s] = numId;
    const o = 3 * s;
    this.from[o] = this.to[o] = x;
    this.from[o + 1] = this.to[o + 1] = y;
    this.from[o + 2] = this.to[o + 2] = z;
    this.velocity[o] = this.velocity[o + 1] = this.velocity[o + 2] = 0;
    this.stamp[s] = this.now;
    return s;
  }

  place(numId: number, x: number, y: number, z: number, vx: number, vy: number, vz: number): void {
    let s = this.slots.get(numId);
    if (s === undefined) s = this.ensure(numId, x, y, z);
    const o = 3 * s;
    // Start the blend where the agent is drawn now, not where it was sent.
    const t = this.blend(s, this.now);
    const from = this.from, to = this.to;
    from[o] += (to[o] - from[o]) * t;
    from[o + 1] += (to[o + 1] - from[o + 1]) * t;
    from[o + 2] += (to[o + 2] - from[o + 2]) * t;
    to[o] = x; to[o + 1] = y; to[o + 2] = z;
    this.velocity[o] = vx; this.velocity[o + 1] = vy; this.velocity[o + 2] = vz;
    this.stamp[s] = this.now;
  }

  /** Progress of slot `s`'s blend at `now`, 0..1. */
  blend(s: number, now: number): number {
    const t = (now - this.stamp[s]) / this.blendMs;
    return t <= 0 ? 0 : t >= 1 ? 1 : t;
  }

  /** Writes the drawn position of slot `s` at `now` into `out[o..o+2]`. */
  drawn(s: number, now: number, out: Float32Array | number[], o = 0): void {
    const t = this.blend(s, now);
    const i = 3 * s;
    out[o] = this.from[i] + (this.to[i] - this.from[i]) * t;
    out[o + 1] = this.from[i + 1] + (this.to[i + 1] - this.from[i + 1]) * t;
    out[o + 2] = this.from[i + 2] + (this.to[i + 2] - this.from[i + 2]) * t;
  }

  /** Drops `numId`, moving the last slot into its place. */
  remove(numId: number): void {
    const s = this.slots.get(numId);
    if (s === undefined) return;
    this.slots.delete(numId);
    const last = --this.count;
    if (s !== last) {
      const moved = this.ids[last];
      this.ids[s] = moved;
      this.slots.set(moved, s);
      this.from.copyWithin(3 * s, 3 * last, 3 * last + 3);
      this.to.copyWithin(3 * s, 3 * last, 3 * last + 3);
      this.velocity.copyWithin(3 * s, 3 * last, 3 * last + 3);
      this.stamp[s] = this.stamp[last];
    }
  }

  clear(): void {
    this.slots.clear();
    this.count = 0;
  }

  private grow(capacity: number): void {
    const copy = <T extends Float32Array | Float64Array | Uint32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.ids = copy(this.ids, new Uint32Array(capacity));
    this.from = copy(this.from, new Float32Array(3 * capacity));
    this.to = copy(this.to, new Float32Array(3 * capacity));
    this.velocity = copy(this.velocity, new Float32Array(3 * capacity));
    this.stamp = copy(this.stamp, new Float64Array(capacity));
    this.capacity = capacity;
  }
}

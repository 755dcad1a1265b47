// The last animation frames' timing, kept in fixed rings: the interval
// between frames (what a user sees as smoothness) and the time this page's
// own code spent drawing each one (what the code can be held to).

const FRAMES = 1024;

export interface FrameSummary {
  frames: number;
  /** Between animation frames, ms. */
  intervalMedian: number;
  intervalP95: number;
  /** Frames per second from the mean interval. */
  fps: number;
  /** The view's own work per frame (update, framing, labels, render call), ms. */
  workMedian: number;
  workP95: number;
}

export class FrameClock {
  private readonly intervals = new Float64Array(FRAMES);
  private readonly work = new Float64Array(FRAMES);
  private count = 0;
  private last = -1;

  record(now: number, workMs: number): void {
    if (this.last >= 0) {
      const i = this.count % FRAMES;
      this.intervals[i] = now - this.last;
      this.work[i] = workMs;
      this.count++;
    }
    this.last = now;
  }

  /** Forgets what was recorded, to measure a window from now. */
  reset(): void {
    this.count = 0;
    this.last = -1;
  }

  /** Over the last frames recorded (at most 1024). */
  summary(): FrameSummary {
    const n = Math.min(this.count, FRAMES);
    const intervals = Array.from(this.intervals.subarray(0, n)).sort((a, b) => a - b);
    const work = Array.from(this.work.subarray(0, n)).sort((a, b) => a - b);
    const mean = intervals.reduce((s, x) => s + x, 0) / (n || 1);
    return {
      frames: n,
      intervalMedian: quantile(intervals, 0.5),
      intervalP95: quantile(intervals, 0.95),
      fps: mean > 0 ? 1000 / mean : 0,
      workMedian: quantile(work, 0.5),
      workP95: quantile(work, 0.95),
    };
  }
}

/** The q-quantile of sorted values (nearest rank); 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

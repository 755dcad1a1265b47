/** Reconnect delays: doubling from `baseMs` up to `maxMs`, with jitter. */
export class Backoff {
  attempt = 0;
  constructor(
    readonly baseMs = 250,
    readonly maxMs = 8_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const raw = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    // ±20 %, so that many viewers of a restarted node do not return at once.
    return Math.round(raw * (0.8 + 0.4 * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}

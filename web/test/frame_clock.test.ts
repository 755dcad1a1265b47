import { describe, expect, it } from "vitest";
import { FrameClock, quantile } from "../src/view/frame_clock";

describe("frame timing", () => {
  it("reports intervals, frames per second and the view's own work", () => {
    const clock = new FrameClock();
    let now = 1000;
    clock.record(now, 1);
    for (let i = 0; i < 99; ++i) clock.record((now += i === 50 ? 100 : 10), 2);
    const s = clock.summary();
    expect(s.frames).toBe(99);
    expect(s.intervalMedian).toBe(10);
    expect(s.intervalP95).toBe(10);
    expect(s.fps).toBeCloseTo(1000 / ((98 * 10 + 100) / 99));
    expect(s.workMedian).toBe(2);
  });

  it("starts over after a reset and keeps only the last 1,024 frames", () => {
    const clock = new FrameClock();
    for (let i = 0; i < 3000; ++i) clock.record(i * 16, 1);
    expect(clock.summary().frames).toBe(1024);
    clock.reset();
    expect(clock.summary()).toMatchObject({ frames: 0, fps: 0, intervalMedian: 0 });
  });

  it("takes quantiles by nearest rank", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([], 0.5)).toBe(0);
  });
});

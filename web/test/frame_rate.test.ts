import { describe, expect, it } from "vitest";
import { frameRateFor, MIN_FRAME_RATE } from "../src/core/frame_rate";

describe("frameRateFor", () => {
  it("asks for twice the draw rate, in steps of 5, within the server's rate", () => {
    expect(frameRateFor(7, 0, 60)).toBe(15);
    expect(frameRateFor(12, 0, 60)).toBe(25);
    expect(frameRateFor(55, 0, 60)).toBe(60);
    expect(frameRateFor(2, 0, 60)).toBe(MIN_FRAME_RATE);
    expect(frameRateFor(40, 0, 30)).toBe(30);
  });

  it("keeps the current rate until the wanted one is twice or half of it", () => {
    expect(frameRateFor(20, 60, 60)).toBe(60); // 40 against 60
    expect(frameRateFor(15, 60, 60)).toBe(30); // 30 * 2 = 60
    expect(frameRateFor(7, 10, 60)).toBe(10); // 15 against 10
    expect(frameRateFor(8, 10, 60)).toBe(20); // 20 = 10 * 2
    expect(frameRateFor(4, 20, 60)).toBe(10); // 10 * 2 = 20
  });
});

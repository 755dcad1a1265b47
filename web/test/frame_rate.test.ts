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

  it("keeps the current rate until the wanted one is half as much again or less", () => {
    expect(frameRateFor(25, 60, 60)).toBe(60); // 50 against 60
    expect(frameRateFor(19, 60, 60)).toBe(40); // 40 * 1.5 = 60
    expect(frameRateFor(10, 15, 60)).toBe(15); // 20 against 15
    expect(frameRateFor(12, 15, 60)).toBe(25); // 25 > 22.5
  });
});

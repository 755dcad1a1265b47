// How many position frames a second to ask the server for. The page blends
// each new position in over 1.5 frame intervals, so frames beyond what it
// draws are received and decoded but never seen: on a slow machine (a
// software renderer drawing 5,000 agents at a few frames a second) they
// only take CPU from drawing and from the server.

/** The lowest rate asked for: motion stays smooth when drawing speeds up. */
export const MIN_FRAME_RATE = 10;

/**
 * The rate for a page that draws `drawFps` frames a second and now gets
 * `current` (0: not known): twice the draw rate, rounded up to a multiple
 * of 5, between MIN_FRAME_RATE and `maxFps`. It stays `current` unless the
 * wanted rate is twice or half of it or beyond: a re-subscription may cost
 * a snapshot load (stream_sync.ts), and a software renderer's draw rate
 * wobbles by half between one stretch and the next.
 */
export function frameRateFor(drawFps: number, current: number, maxFps: number): number {
  const wanted = Math.min(maxFps, Math.max(MIN_FRAME_RATE, Math.ceil((2 * drawFps) / 5) * 5));
  if (current > 0 && wanted < current * 2 && wanted * 2 > current) return current;
  return wanted;
}

import { describe, expect, it } from "vitest";
import { basisLookingAlong, fitPoints, type Basis, type Fit } from "../src/view/framing";

const FOV = 55;

/** A cloud of n points, deterministic. */
function cloud(n: number, spread: [number, number, number], centre: [number, number, number] = [0, 0, 0]): Float32Array {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const xyz = new Float32Array(3 * n);
  for (let i = 0; i < n; ++i) for (let k = 0; k < 3; ++k) xyz[3 * i + k] = centre[k] + spread[k] * rand();
  return xyz;
}

/** Each point's place on the view, -1..1 on both axes, as a pinhole camera sees it. */
function project(xyz: Float32Array, fit: Fit, b: Basis, aspect: number): Array<[number, number]> {
  const t = Math.tan((FOV * Math.PI) / 360);
  const cam = [0, 1, 2].map((k) => fit.target[k] - fit.distance * b.forward[k]);
  const dot = (d: number[], v: ArrayLike<number>) => d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
  const out: Array<[number, number]> = [];
  for (let i = 0; i < xyz.length / 3; ++i) {
    const d = [0, 1, 2].map((k) => xyz[3 * i + k] - cam[k]);
    const z = dot(d, b.forward);
    out.push([dot(d, b.right) / (z * t * aspect), dot(d, b.up) / (z * t)]);
  }
  return out;
}

const span = (v: number[]) => Math.max(...v) - Math.min(...v);

describe("framing the swarm", () => {
  it("keeps every point inside the fill share of the view and fills it on the tighter axis", () => {
    for (const [aspect, dir] of [[16 / 9, [0, -0.35, -1]], [0.6, [1, 0.2, 0.3]], [1, [0, 0, -1]]] as const) {
      const b = basisLookingAlong(dir);
      const xyz = cloud(500, [80, 40, 60], [30, -20, 500]);
      const fit = fitPoints(xyz, 500, b, { fovDeg: FOV, aspect, fill: 0.9 })!;
      const p = project(xyz, fit, b, aspect);
      for (const [x, y] of p) {
        expect(Math.abs(x)).toBeLessThanOrEqual(0.9 + 1e-6);
        expect(Math.abs(y)).toBeLessThanOrEqual(0.9 + 1e-6);
      }
      // Tight: the binding axis runs edge to edge of the 90 %.
      const widest = Math.max(span(p.map((q) => q[0])), span(p.map((q) => q[1])));
      expect(widest).toBeGreaterThan(1.8 - 1e-6);
    }
  });

  it("centres the cloud on the view", () => {
    const b = basisLookingAlong([0, 0, -1]);
    const xyz = cloud(300, [50, 50, 50], [100, 200, -300]);
    const fit = fitPoints(xyz, 300, b, { fovDeg: FOV, aspect: 1.6 })!;
    const p = project(xyz, fit, b, 1.6);
    const xs = p.map((q) => q[0]);
    const ys = p.map((q) => q[1]);
    expect(Math.max(...xs) + Math.min(...xs)).toBeCloseTo(0, 1);
    expect(Math.max(...ys) + Math.min(...ys)).toBeCloseTo(0, 1);
  });

  it("keeps a padded agent whole and stands back from a single one", () => {
    const b = basisLookingAlong([0, 0, -1]);
    const one = new Float32Array([5, 5, 5]);
    const fit = fitPoints(one, 1, b, { fovDeg: FOV, aspect: 1, pad: 2, minDistance: 25 })!;
    expect(fit.distance).toBeCloseTo(25);
    expect(fit.target).toEqual([5, 5, 5]);
    // Padding backs the camera off: the sphere's rim is in view too.
    const xyz = cloud(50, [20, 20, 20]);
    const bare = fitPoints(xyz, 50, b, { fovDeg: FOV, aspect: 1 })!;
    const padded = fitPoints(xyz, 50, b, { fovDeg: FOV, aspect: 1, pad: 3 })!;
    expect(padded.distance).toBeGreaterThan(bare.distance);
  });

  it("has nothing to frame without points", () => {
    expect(fitPoints(new Float32Array(0), 0, basisLookingAlong([0, 0, -1]), { fovDeg: FOV, aspect: 1 })).toBeNull();
  });

  it("builds an orthonormal basis, also looking straight down", () => {
    for (const dir of [[0, -0.35, -1], [0, -1, 0], [3, 4, 0]]) {
      const { right: r, up: u, forward: f } = basisLookingAlong(dir);
      const dot = (a: ArrayLike<number>, c: ArrayLike<number>) => a[0] * c[0] + a[1] * c[1] + a[2] * c[2];
      for (const v of [r, u, f]) expect(dot(v, v)).toBeCloseTo(1);
      expect(dot(r, u)).toBeCloseTo(0);
      expect(dot(r, f)).toBeCloseTo(0);
      expect(dot(u, f)).toBeCloseTo(0);
    }
  });
});

// Where to put the camera so that a cloud of points fills the view: the
// tightest fit of a perspective frustum looking along a given direction,
// in closed form (one pass, no allocation), so it can run every frame.

/** A camera's orientation: unit vectors, pairwise orthogonal. */
export interface Basis {
  right: ArrayLike<number>;
  up: ArrayLike<number>;
  /** Where the camera looks (from the camera into the scene). */
  forward: ArrayLike<number>;
}

export interface FitOptions {
  /** Vertical field of view in degrees. */
  fovDeg: number;
  /** Width / height of the view. */
  aspect: number;
  /** Share of the view's half-extent the cloud may take (0.9: a 5 % border each side). */
  fill?: number;
  /** World radius around each point that must stay in view (the agents' size). */
  pad?: number;
  /** Closest the orbit target may be to the camera. */
  minDistance?: number;
}

export interface Fit {
  /** The point to orbit: the cloud's middle. */
  target: [number, number, number];
  /** From the camera to `target`, along `forward`. */
  distance: number;
}

export const DEFAULT_FILL = 0.9;

/**
 * The camera position `target - distance * forward` sees every point of
 * `xyz` (the first `count` triples) inside `fill` of the view.
 *
 * For one axis with slope t (tangent of the half angle): a point at
 * lateral offset x and depth z is inside when |x - c| <= t (z + e), c the
 * camera's lateral offset and e its distance behind the depth origin.
 * Those are the two half-planes c - t e <= min(x + t z) = A and
 * c + t e >= max(x - t z) = B, so the least e is (B - A) / 2t at
 * c = (A + B) / 2; the larger of the two axes' e wins. Null when empty.
 */
export function fitPoints(xyz: ArrayLike<number>, count: number, basis: Basis, opt: FitOptions): Fit | null {
  if (count <= 0) return null;
  const fill = opt.fill ?? DEFAULT_FILL;
  const tv = Math.tan((opt.fovDeg * Math.PI) / 360) * fill;
  const th = tv * opt.aspect;
  const pad = opt.pad ?? 0;
  // A sphere of radius pad is inside a side plane when its centre is pad
  // from it: pad * sqrt(1 + t^2) measured across the view.
  const ph = pad * Math.sqrt(1 + th * th);
  const pv = pad * Math.sqrt(1 + tv * tv);
  const { right: r, up: u, forward: f } = basis;
  let ah = Infinity, bh = -Infinity, av = Infinity, bv = -Infinity;
  let zMin = Infinity, zMax = -Infinity;
  for (let i = 0; i < count; ++i) {
    const px = xyz[3 * i], py = xyz[3 * i + 1], pz = xyz[3 * i + 2];
    const x = px * r[0] + py * r[1] + pz * r[2];
    const y = px * u[0] + py * u[1] + pz * u[2];
    const z = px * f[0] + py * f[1] + pz * f[2];
    ah = Math.min(ah, x - ph + th * z);
    bh = Math.max(bh, x + ph - th * z);
    av = Math.min(av, y - pv + tv * z);
    bv = Math.max(bv, y + pv - tv * z);
    zMin = Math.min(zMin, z);
    zMax = Math.max(zMax, z);
  }
  const cx = (ah + bh) / 2;
  const cy = (av + bv) / 2;
  const zMid = (zMin + zMax) / 2;
  // e: the camera sits at depth -e; the target at depth zMid.
  let e = Math.max((bh - ah) / (2 * th), (bv - av) / (2 * tv));
  // Never inside the cloud's nearest point, never closer than minDistance.
  e = Math.max(e, pad - zMin, (opt.minDistance ?? 0) - zMid);
  const target: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < 3; ++k) target[k] = cx * r[k] + cy * u[k] + zMid * f[k];
  return { target, distance: e + zMid };
}

/** Right, up and forward of a camera looking along `forward` with world up +y. */
export function basisLookingAlong(forward: ArrayLike<number>): Basis {
  const f = normalize([forward[0], forward[1], forward[2]]);
  // Straight up or down: any right will do.
  let r = cross(f, [0, 1, 0]);
  if (Math.hypot(r[0], r[1], r[2]) < 1e-6) r = [1, 0, 0];
  r = normalize(r);
  return { right: r, up: cross(r, f), forward: f };
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

// When the camera frames the whole swarm by itself, and how.
//
// - Following: from the first agents on, the camera keeps the whole swarm
//   framed while the layout settles, easing towards the fit (no jumps).
//   It stops following for good the moment the user moves the camera
//   (orbit, zoom, pan, `f`, search): a user's own view is never taken away.
//   A paused view holds still.
// - `fitNow()`: a snap to the fit, for a resize of the view (always, also
//   after the user moved the camera, as the old framing no longer matches
//   the new shape), and for the fit key and button, which also turn
//   following back on.
// The viewing direction is always the user's: framing only moves the
// camera along it and sideways.

import * as THREE from "three";
import type { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { fitPoints, type Basis, type Fit } from "./framing";

/** Seconds for the camera to cover 63 % of the way to the fit while following. */
const EASE_S = 0.35;
/** The agents' largest drawn radius (palette sizeOf at full load, hovered). */
const AGENT_PAD = 2.6;
const MIN_DISTANCE = 25;
/** Within this gap the camera counts as framed. */
const SETTLED = 0.02;
/** The first view looks down on the swarm a little. */
const FIRST_DIRECTION = new THREE.Vector3(0, -0.35, -1).normalize();

export class AutoFramer {
  /** The camera follows the swarm's extent until the user moves it. */
  following = true;
  /** Snaps done (first view, resizes, fit key and button). */
  fits = 0;
  /**
   * How far the camera is from framing the picture drawn: the larger of its
   * distance's and its target's offset from the fit, over the fit's
   * distance. Judged every frame, following or not, paused or not.
   */
  gap = Infinity;
  /** The camera frames the picture drawn: gap within SETTLED. */
  get settled(): boolean {
    return this.gap <= SETTLED;
  }
  private placed = false;
  private gesture = false;
  private lastNow = 0;
  private readonly basis: Basis = { right: [1, 0, 0], up: [0, 1, 0], forward: [0, 0, -1] };
  private readonly r = new THREE.Vector3();
  private readonly u = new THREE.Vector3();
  private readonly f = new THREE.Vector3();
  private readonly goal = new THREE.Vector3();

  constructor(
    private readonly camera: THREE.PerspectiveCamera,
    private readonly controls: OrbitControls,
    /** The drawn agents' positions, xyz triples, and how many. */
    private readonly points: () => { xyz: Float32Array; count: number },
  ) {
    // OrbitControls calls update() inside a gesture when the camera moved,
    // which fires `change`; a click alone moves nothing.
    controls.addEventListener("start", () => { this.gesture = true; });
    controls.addEventListener("end", () => { this.gesture = false; });
    controls.addEventListener("change", () => { if (this.gesture) this.following = false; });
  }

  /** The user took the camera elsewhere (focus on an agent). */
  release(): void {
    this.following = false;
  }

  /** Frames the swarm at once and follows it again (fit key and button). */
  fitAll(): void {
    this.following = true;
    this.endTurn();
    this.fitNow();
  }

  /** Snaps the camera to frame the swarm, keeping the viewing direction. */
  fitNow(): boolean {
    const fit = this.compute();
    if (!fit) return false;
    this.apply(fit, 1);
    this.fits++;
    this.placed = true;
    return true;
  }

  /**
   * Once per animation frame, before the controls' update. A paused view
   * (`space`) keeps its picture: no following then.
   */
  update(now: number, paused: boolean): void {
    const dt = this.lastNow ? Math.min(0.25, (now - this.lastNow) / 1000) : 0;
    this.lastNow = now;
    if (!this.placed) {
      // The first view: as soon as there is something to frame.
      if (this.camera.position.distanceTo(this.controls.target) > 0) this.lookAlong(FIRST_DIRECTION);
      this.fitNow();
      return;
    }
    const fit = this.compute();
    if (!fit) return;
    // Hands off while the user orbits or drags an agent to pin it.
    if (this.following && !paused && !this.gesture && this.controls.enabled) this.apply(fit, 1 - Math.exp(-dt / EASE_S));
    this.gap = this.gapTo(fit);
  }

  private compute(): Fit | null {
    const { xyz, count } = this.points();
    if (count === 0) return null;
    // The controls may have turned the camera since it was last drawn.
    this.camera.updateMatrixWorld();
    this.camera.matrixWorld.extractBasis(this.r, this.u, this.f);
    this.f.negate();
    this.r.toArray(this.basis.right as number[]);
    this.u.toArray(this.basis.up as number[]);
    this.f.toArray(this.basis.forward as number[]);
    return fitPoints(xyz, count, this.basis, {
      fovDeg: this.camera.fov, aspect: this.camera.aspect, pad: AGENT_PAD, minDistance: MIN_DISTANCE,
    });
  }

  /** Moves `share` of the way to `fit`: target and distance, same direction. */
  private apply(fit: Fit, share: number): void {
    const target = this.controls.target;
    const offset = this.goal.subVectors(this.camera.position, target);
    const distance = offset.length() || fit.distance;
    const dir = offset.divideScalar(distance);
    target.lerp(new THREE.Vector3(...fit.target), share);
    const d = distance + (fit.distance - distance) * share;
    this.camera.position.copy(target).addScaledVector(dir, d);
    this.camera.updateMatrixWorld();
    this.gap = this.gapTo(fit);
  }

  private gapTo(fit: Fit): number {
    const d = this.camera.position.distanceTo(this.controls.target);
    return Math.max(Math.abs(d - fit.distance), this.controls.target.distanceTo(this.goal.fromArray(fit.target))) / fit.distance;
  }

  /**
   * Ends what is left of an orbit's damped turn at once, so that the fit is
   * taken along the direction the camera ends up in and stays framed.
   */
  private endTurn(): void {
    const damping = this.controls.enableDamping;
    this.controls.enableDamping = false;
    this.controls.update();
    this.controls.enableDamping = damping;
  }

  private lookAlong(dir: THREE.Vector3): void {
    const d = this.camera.position.distanceTo(this.controls.target);
    this.camera.position.copy(this.controls.target).addScaledVector(dir, -d);
    this.camera.lookAt(this.controls.target);
    this.camera.updateMatrixWorld();
  }
}

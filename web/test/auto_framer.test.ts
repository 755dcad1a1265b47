import * as THREE from "three";
import type { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { describe, expect, it } from "vitest";
import { AutoFramer } from "../src/view/auto_framer";

/** What AutoFramer uses of OrbitControls: the target, `enabled`, damping, `update` and its events. */
function rig(xyz: Float32Array) {
  const camera = new THREE.PerspectiveCamera(55, 16 / 9, 0.5, 20_000);
  camera.position.set(0, 60, 160);
  const controls = Object.assign(new THREE.EventDispatcher(), {
    target: new THREE.Vector3(), enabled: true, enableDamping: true, undampedUpdates: 0,
    update() { if (!this.enableDamping) this.undampedUpdates++; return false; },
  });
  const points = { xyz, count: xyz.length / 3 };
  const framer = new AutoFramer(camera, controls as unknown as OrbitControls, () => points);
  const gesture = (moved: boolean) => {
    controls.dispatchEvent({ type: "start" } as never);
    if (moved) controls.dispatchEvent({ type: "change" } as never);
    controls.dispatchEvent({ type: "end" } as never);
  };
  return { camera, controls, points, framer, gesture };
}

/** Eight corners of a box of half-size h around c. */
function box(c: [number, number, number], h: number): Float32Array {
  const out: number[] = [];
  for (const dx of [-h, h]) for (const dy of [-h, h]) for (const dz of [-h, h]) out.push(c[0] + dx, c[1] + dy, c[2] + dz);
  return Float32Array.from(out);
}

const distance = (r: ReturnType<typeof rig>) => r.camera.position.distanceTo(r.controls.target);

describe("when the camera frames the swarm by itself", () => {
  it("frames the first agents at once, looking down on them a little", () => {
    const r = rig(box([100, 0, 0], 50));
    r.framer.update(16, false);
    expect(r.framer.fits).toBe(1);
    expect(r.framer.settled).toBe(true);
    expect(r.controls.target.x).toBeCloseTo(100, 0);
    const dir = r.camera.position.clone().sub(r.controls.target).normalize();
    expect(dir.y).toBeGreaterThan(0.2);
    expect(dir.z).toBeGreaterThan(0.8);
  });

  it("follows a spreading swarm smoothly until the user moves the camera", () => {
    const r = rig(box([0, 0, 0], 20));
    r.framer.update(16, false);
    const first = distance(r);
    r.points.xyz = box([0, 0, 0], 60);
    r.framer.update(32, false);
    const next = distance(r);
    // Eased: part of the way in one frame, not a jump.
    expect(next).toBeGreaterThan(first);
    expect(next).toBeLessThan(first * 2);
    for (let t = 48; t < 3000; t += 16) r.framer.update(t, false);
    expect(distance(r)).toBeGreaterThan(first * 2.5);
    expect(r.framer.settled).toBe(true);

    r.gesture(true);
    expect(r.framer.following).toBe(false);
    const held = r.camera.position.clone();
    r.points.xyz = box([0, 0, 0], 200);
    for (let t = 3000; t < 4000; t += 16) r.framer.update(t, false);
    expect(r.camera.position.equals(held)).toBe(true);
    // Still judged: the held camera no longer frames the grown swarm.
    expect(r.framer.settled).toBe(false);
  });

  it("keeps following after a click that moved nothing", () => {
    const r = rig(box([0, 0, 0], 20));
    r.framer.update(16, false);
    r.gesture(false);
    expect(r.framer.following).toBe(true);
  });

  it("holds still while paused or while an agent is dragged", () => {
    const r = rig(box([0, 0, 0], 20));
    r.framer.update(16, false);
    const held = r.camera.position.clone();
    r.points.xyz = box([0, 0, 0], 80);
    r.framer.update(32, true);
    expect(r.camera.position.equals(held)).toBe(true);
    expect(r.framer.settled).toBe(false);
    r.controls.enabled = false;
    r.framer.update(48, false);
    expect(r.camera.position.equals(held)).toBe(true);
  });

  it("snaps on a resize and on the fit key, keeping the user's direction; the fit key follows again", () => {
    const r = rig(box([0, 0, 0], 20));
    r.framer.update(16, false);
    r.gesture(true);
    // The user looks from the side.
    r.camera.position.set(300, 0, 0);
    r.camera.lookAt(r.controls.target);
    r.camera.updateMatrixWorld();
    r.points.xyz = box([0, 0, 0], 80);
    expect(r.framer.fitNow()).toBe(true);
    expect(r.framer.following).toBe(false);
    const dir = r.camera.position.clone().sub(r.controls.target).normalize();
    expect(dir.x).toBeCloseTo(1);
    expect(r.framer.settled).toBe(true);
    r.framer.fitAll();
    expect(r.framer.following).toBe(true);
    expect(r.framer.fits).toBe(3);
    // What was left of an orbit's turn ended first, at once, so the fit holds.
    expect(r.controls.undampedUpdates).toBe(1);
    expect(r.controls.enableDamping).toBe(true);
  });

  it("fits along the direction the controls last turned the camera to, not the one last drawn", () => {
    const r = rig(box([0, 0, 0], 40));
    r.framer.update(16, false);
    // OrbitControls moves the camera and calls lookAt; the world matrix
    // waits for the next render.
    r.camera.position.set(0, 0, 300);
    r.camera.lookAt(r.controls.target);
    r.points.xyz = Float32Array.from([...box([0, 0, 0], 40), 200, 0, 0]);
    r.framer.fitAll();
    r.framer.update(32, true);
    expect(r.framer.gap).toBeLessThan(1e-6);
  });

  it("lets go for good when the user focuses an agent", () => {
    const r = rig(box([0, 0, 0], 20));
    r.framer.update(16, false);
    r.framer.release();
    expect(r.framer.following).toBe(false);
  });
});

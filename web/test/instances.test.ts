import * as THREE from "three";
import { describe, expect, it } from "vitest";
import { InstanceBatch } from "../src/view/instances";

function batch(capacity: number) {
  const scene = new THREE.Scene();
  return { scene, b: new InstanceBatch(scene, new THREE.BoxGeometry(), new THREE.MeshBasicMaterial(), capacity) };
}

describe("InstanceBatch", () => {
  it("sends only the instances in use", () => {
    const { b } = batch(8);
    b.begin();
    for (let i = 0; i < 3; ++i) b.place(b.add(10 + i), i, 0, 0, 1);
    const version = b.mesh.instanceMatrix.version;
    b.end();
    expect(b.mesh.count).toBe(3);
    expect(b.mesh.instanceMatrix.version).toBe(version + 1);
    expect(b.mesh.instanceMatrix.updateRanges).toEqual([{ start: 0, count: 48 }]);
    expect(b.mesh.instanceColor!.updateRanges).toEqual([{ start: 0, count: 9 }]);
    // The next frame's range replaces this one.
    b.begin();
    b.place(b.add(10), 5, 0, 0, 1);
    b.end();
    expect(b.mesh.instanceMatrix.updateRanges).toEqual([{ start: 0, count: 16 }]);
  });

  it("sends nothing when nothing is drawn", () => {
    const { b } = batch(4);
    b.begin();
    const version = b.mesh.instanceMatrix.version;
    b.end();
    expect(b.mesh.count).toBe(0);
    expect(b.mesh.instanceMatrix.version).toBe(version);
  });

  it("grows into a new mesh that keeps what was placed", () => {
    const { scene, b } = batch(2);
    b.begin();
    for (let i = 0; i < 5; ++i) b.place(b.add(100 + i), i, 2 * i, 0, 1);
    b.end();
    expect(b.capacity).toBe(8);
    expect(scene.children).toEqual([b.mesh]);
    expect(Array.from(b.ids.subarray(0, 5))).toEqual([100, 101, 102, 103, 104]);
    const m = b.mesh.instanceMatrix.array;
    expect([m[16 * 4 + 12], m[16 * 4 + 13]]).toEqual([4, 8]);
    expect([m[12], m[13]]).toEqual([0, 0]);
  });
});

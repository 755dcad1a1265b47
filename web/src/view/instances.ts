// A growable InstancedMesh: recreated with twice the room when full.

import * as THREE from "three";

export class InstanceBatch {
  mesh: THREE.InstancedMesh;
  /** The agent (or edge) drawn by each instance, for picking. */
  ids: Uint32Array;
  count = 0;

  constructor(
    private readonly scene: THREE.Object3D,
    private readonly geometry: THREE.BufferGeometry,
    private readonly material: THREE.Material,
    capacity = 256,
  ) {
    this.mesh = this.make(capacity);
    this.ids = new Uint32Array(capacity);
  }

  get capacity(): number {
    return this.ids.length;
  }

  begin(): void {
    this.count = 0;
  }

  /** Index of a new instance; grows the mesh when full. */
  add(id: number): number {
    if (this.count === this.capacity) this.grow();
    this.ids[this.count] = id;
    return this.count++;
  }

  /** Writes a translation and uniform scale without building a Matrix4. */
  place(i: number, x: number, y: number, z: number, s: number): void {
    const m = this.mesh.instanceMatrix.array as Float32Array;
    const o = 16 * i;
    m[o] = s; m[o + 1] = 0; m[o + 2] = 0; m[o + 3] = 0;
    m[o + 4] = 0; m[o + 5] = s; m[o + 6] = 0; m[o + 7] = 0;
    m[o + 8] = 0; m[o + 9] = 0; m[o + 10] = s; m[o + 11] = 0;
    m[o + 12] = x; m[o + 13] = y; m[o + 14] = z; m[o + 15] = 1;
  }

  color(i: number, rgb: Float32Array | number[]): void {
    const c = this.mesh.instanceColor!.array as Float32Array;
    c[3 * i] = rgb[0]; c[3 * i + 1] = rgb[1]; c[3 * i + 2] = rgb[2];
  }

  end(): void {
    this.mesh.count = this.count;
    // Only the instances in use reach WebGL; the room for growth stays put.
    resend(this.mesh.instanceMatrix, 16 * this.count);
    resend(this.mesh.instanceColor!, 3 * this.count);
    // Picking recomputes it from the instances when needed.
    this.mesh.boundingSphere = null;
  }

  private make(capacity: number): THREE.InstancedMesh {
    const mesh = new THREE.InstancedMesh(this.geometry, this.material, capacity);
    mesh.instanceMatrix.setUsage(THREE.DynamicDrawUsage);
    mesh.instanceColor = new THREE.InstancedBufferAttribute(new Float32Array(3 * capacity), 3);
    mesh.instanceColor.setUsage(THREE.DynamicDrawUsage);
    mesh.frustumCulled = false;
    mesh.count = 0;
    this.scene.add(mesh);
    return mesh;
  }

  private grow(): void {
    const old = this.mesh;
    const next = this.make(this.capacity * 2);
    (next.instanceMatrix.array as Float32Array).set(old.instanceMatrix.array as Float32Array);
    (next.instanceColor!.array as Float32Array).set(old.instanceColor!.array as Float32Array);
    next.userData = old.userData;
    this.scene.remove(old);
    old.dispose();
    this.mesh = next;
    const ids = new Uint32Array(this.capacity * 2);
    ids.set(this.ids);
    this.ids = ids;
  }
}

/** Marks the first `floats` of an attribute to be sent again. */
function resend(a: THREE.BufferAttribute, floats: number): void {
  a.clearUpdateRanges();
  if (floats === 0) return;
  a.addUpdateRange(0, floats);
  a.needsUpdate = true;
}

/** 0xRRGGBB as linear floats for instance colours. */
export function rgb(hex: number): Float32Array {
  const c = new THREE.Color(hex);
  return new Float32Array([c.r, c.g, c.b]);
}

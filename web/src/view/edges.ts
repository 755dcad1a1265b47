// Recent messages as tubes between agents: thicker with traffic, fading
// into the background as they age.

import * as THREE from "three";
import { EDGE_TTL_MS, type SwarmStore } from "../core/store";
import { InstanceBatch } from "./instances";

const EDGE_COLOR = new THREE.Color(0x9be7ff);

export class EdgeLayer {
  private batch: InstanceBatch;
  private readonly a = new THREE.Vector3();
  private readonly b = new THREE.Vector3();
  private readonly dir = new THREE.Vector3();
  private readonly up = new THREE.Vector3(0, 1, 0);
  private readonly q = new THREE.Quaternion();
  private readonly scale = new THREE.Vector3();
  private readonly m = new THREE.Matrix4();
  private readonly tmp = [0, 0, 0];
  private readonly shade = new THREE.Color();
  private readonly shadeRgb = [0, 0, 0];

  constructor(scene: THREE.Scene, private readonly background: THREE.Color) {
    // A unit tube from y = 0 to y = 1, stretched between the two agents.
    const geometry = new THREE.CylinderGeometry(1, 1, 1, 5, 1, true).translate(0, 0.5, 0);
    this.batch = new InstanceBatch(scene, geometry, new THREE.MeshBasicMaterial(), 128);
  }

  /** `drawn(numId, out)` writes an agent's drawn position; false if hidden. */
  update(store: SwarmStore, wallNow: number, drawn: (numId: number, out: number[]) => boolean): number {
    const batch = this.batch;
    batch.begin();
    for (const e of store.edges.values()) {
      const age = wallNow - e.last;
      if (age > EDGE_TTL_MS) continue;
      if (!drawn(e.from, this.tmp)) continue;
      this.a.fromArray(this.tmp);
      if (!drawn(e.to, this.tmp)) continue;
      this.b.fromArray(this.tmp);
      this.dir.subVectors(this.b, this.a);
      const len = this.dir.length();
      if (len < 1e-3) continue;
      this.q.setFromUnitVectors(this.up, this.dir.divideScalar(len));
      const r = 0.06 + 0.08 * Math.log2(1 + e.weight);
      this.m.compose(this.a, this.q, this.scale.set(r, len, r));
      const i = batch.add(0);
      this.m.toArray(batch.mesh.instanceMatrix.array as Float32Array, 16 * i);
      const fade = Math.max(0, 1 - Math.max(0, age) / EDGE_TTL_MS);
      this.shade.copy(this.background).lerp(EDGE_COLOR, fade);
      this.shadeRgb[0] = this.shade.r; this.shadeRgb[1] = this.shade.g; this.shadeRgb[2] = this.shade.b;
      batch.color(i, this.shadeRgb);
    }
    batch.end();
    return batch.count;
  }
}

import { describe, expect, it } from "vitest";
import {
  decodeFrame, emptyHeader, encodeFrame, HEADER_BYTES, QUANTIZED_HEADER_BYTES, QUANTIZED_RECORD_BYTES, type RecordSink,
} from "../src/core/frame_decoder";

function collect(): RecordSink & { rows: number[][] } {
  const rows: number[][] = [];
  return { rows, place: (...xs: number[]) => void rows.push(xs) };
}

describe("decodeFrame", () => {
  it("reads the header and every record", () => {
    const buf = encodeFrame(2 ** 40 + 5, 1_700_000_000_123, true, [7, 9], [1, 2, 3, -4, 5.5, 6], [0.5, 0, 0, 0, 0, -1]);
    const header = emptyHeader();
    const sink = collect();
    expect(decodeFrame(buf, header, sink)).toBeNull();
    expect(header).toEqual({
      keyframe: true, frameSeq: 2 ** 40 + 5, timeMs: 1_700_000_000_123, part: 0, parts: 1, count: 2,
      quantized: false, positionScale: 0, velocityScale: 0,
    });
    expect(sink.rows).toEqual([
      [7, 1, 2, 3, 0.5, 0, 0],
      [9, -4, 5.5, 6, 0, 0, -1],
    ]);
  });

  it("reads a frame written field by field as the protocol describes", () => {
    const buf = new ArrayBuffer(HEADER_BYTES + 28);
    const v = new DataView(buf);
    "AVPF".split("").forEach((c, i) => v.setUint8(i, c.charCodeAt(0)));
    v.setUint8(4, 1);
    v.setUint8(5, 0);
    v.setBigUint64(8, 42n, true);
    v.setBigUint64(16, 1234n, true);
    v.setUint32(24, 1, true);
    v.setUint32(28, 3, true);
    v.setUint32(32, 1, true);
    v.setUint32(36, 4_000_000_000, true);
    v.setFloat32(40, 1.25, true);
    const header = emptyHeader();
    const sink = collect();
    expect(decodeFrame(buf, header, sink)).toBeNull();
    expect(header.keyframe).toBe(false);
    expect(header.frameSeq).toBe(42);
    expect(header.part).toBe(1);
    expect(header.parts).toBe(3);
    expect(sink.rows[0].slice(0, 2)).toEqual([4_000_000_000, 1.25]);
  });

  it("refuses malformed messages without calling the sink", () => {
    const good = encodeFrame(1, 1, false, [1], [0, 0, 0]);
    const cases: Array<[ArrayBuffer, string]> = [
      [good.slice(0, 20), "short"],
      [(() => { const b = good.slice(0); new Uint8Array(b)[0] = 0x58; return b; })(), "magic"],
      [(() => { const b = good.slice(0); new Uint8Array(b)[4] = 2; return b; })(), "version"],
      [good.slice(0, good.byteLength - 4), "length"],
      [(() => { const b = good.slice(0); new DataView(b).setUint32(32, 1_000_000, true); return b; })(), "length"],
    ];
    for (const [buf, why] of cases) {
      const sink = collect();
      expect(decodeFrame(buf, emptyHeader(), sink)).toBe(why);
      expect(sink.rows).toHaveLength(0);
    }
  });

  it("reads a quantized frame written field by field as the protocol describes", () => {
    const buf = new ArrayBuffer(QUANTIZED_HEADER_BYTES + 2 * QUANTIZED_RECORD_BYTES);
    const v = new DataView(buf);
    "AVPF".split("").forEach((c, i) => v.setUint8(i, c.charCodeAt(0)));
    v.setUint8(4, 1);
    v.setUint8(5, 3); // keyframe, quantized
    v.setBigUint64(8, 77n, true);
    v.setBigUint64(16, 1234n, true);
    v.setUint32(24, 0, true);
    v.setUint32(28, 1, true);
    v.setUint32(32, 2, true);
    v.setFloat32(36, 0.5, true); // position scale
    v.setFloat32(40, 0.25, true); // velocity scale
    v.setUint32(44, 4_000_000_000, true);
    [10, -20, 32767, 4, 0, -32767].forEach((x, k) => v.setInt16(48 + 2 * k, x, true));
    v.setUint32(60, 3, true);
    [-1, 0, 1, 0, 0, 8].forEach((x, k) => v.setInt16(64 + 2 * k, x, true));
    const header = emptyHeader();
    const sink = collect();
    expect(decodeFrame(buf, header, sink)).toBeNull();
    expect(header).toMatchObject({
      keyframe: true, quantized: true, frameSeq: 77, count: 2, positionScale: 0.5, velocityScale: 0.25,
    });
    expect(sink.rows).toEqual([
      [4_000_000_000, 5, -10, 16383.5, 1, 0, -8191.75],
      [3, -0.5, 0, 0.5, 0, 0, 2],
    ]);
  });

  it("decodes a quantized frame to within one scale step of the floats", () => {
    const ids = [1, 2, 3, 4];
    const pos = [120.5, -3, 0.001, -250, 249.9, 17, 0, 0, 0, 1e-3, -1e-3, 42];
    const vel = [0.5, -0.25, 0, 0, 0, 0, 2, -2, 1, 0.1, 0.2, -0.3];
    const buf = encodeFrame(9, 10, false, ids, pos, vel, "quantized");
    expect(buf.byteLength).toBe(QUANTIZED_HEADER_BYTES + 4 * QUANTIZED_RECORD_BYTES);
    const header = emptyHeader();
    const sink = collect();
    expect(decodeFrame(buf, header, sink)).toBeNull();
    expect(header.quantized).toBe(true);
    expect(header.keyframe).toBe(false);
    expect(header.positionScale).toBeCloseTo(250 / 32767, 9);
    expect(sink.rows.map((r) => r[0])).toEqual(ids);
    sink.rows.forEach((r, i) => {
      for (let k = 0; k < 3; ++k) {
        expect(Math.abs(r[1 + k] - pos[3 * i + k])).toBeLessThanOrEqual(header.positionScale);
        expect(Math.abs(r[4 + k] - vel[3 * i + k])).toBeLessThanOrEqual(header.velocityScale);
      }
    });
  });

  it("decodes quantized frames of no agents and of all-zero values", () => {
    const empty = encodeFrame(1, 1, true, [], [], [], "quantized");
    expect(empty.byteLength).toBe(QUANTIZED_HEADER_BYTES);
    const header = emptyHeader();
    const sink = collect();
    expect(decodeFrame(empty, header, sink)).toBeNull();
    expect(header.count).toBe(0);
    expect(sink.rows).toHaveLength(0);
    expect(decodeFrame(encodeFrame(2, 1, true, [5], [0, 0, 0], [0, 0, 0], "quantized"), header, sink)).toBeNull();
    expect(header.positionScale).toBe(1);
    expect(sink.rows).toEqual([[5, 0, 0, 0, 0, 0, 0]]);
  });

  it("refuses quantized frames of the wrong length", () => {
    const good = encodeFrame(1, 1, false, [1, 2], [1, 2, 3, 4, 5, 6], undefined, "quantized");
    const asFloat = (() => { const b = good.slice(0); new Uint8Array(b)[5] = 0; return b; })();
    for (const buf of [good.slice(0, good.byteLength - 2), good.slice(0, 40), asFloat]) {
      const sink = collect();
      expect(decodeFrame(buf, emptyHeader(), sink)).toBe("length");
      expect(sink.rows).toHaveLength(0);
    }
  });
});

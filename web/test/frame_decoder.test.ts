import { describe, expect, it } from "vitest";
import { decodeFrame, emptyHeader, encodeFrame, HEADER_BYTES, type RecordSink } from "../src/core/frame_decoder";

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
    expect(header).toEqual({ keyframe: true, frameSeq: 2 ** 40 + 5, timeMs: 1_700_000_000_123, part: 0, parts: 1, count: 2 });
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
});

/** The audit spool on disk: segments, rotation, the offset file and torn lines. */
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSpoolOffset, writeSpoolOffset } from "../../src/audit/spool-offset.ts";
import { measurePending, readSpoolBatch, removeDeliveredSegments } from "../../src/audit/spool-reader.ts";
import { listSegments, segmentPath } from "../../src/audit/spool-segments.ts";
import { createSpoolWriter } from "../../src/audit/spool-writer.ts";

setDefaultTimeout(60_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "s3dir-audit-spool-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (n: number) =>
  new TextEncoder().encode(`${JSON.stringify({ requestId: `r${n}`, pad: "x".repeat(20) })}\n`);

describe("spool writer", () => {
  test("appends whole lines to 0600 segments and rotates by size", async () => {
    const writer = createSpoolWriter({ dir, firstSegment: 1, segmentBytes: 200 });
    for (let i = 0; i < 20; i++) writer.append(line(i));
    writer.close();
    const segments = await listSegments(dir);
    expect(segments.length).toBeGreaterThan(2);
    expect(segments[0]).toBe(1);
    for (const seq of segments) {
      expect(statSync(segmentPath(dir, seq)).mode & 0o777).toBe(0o600);
      expect(statSync(segmentPath(dir, seq)).size).toBeLessThan(200 + line(0).byteLength);
    }
  });

  test("the reader walks every segment in order and stops at the end of the newest", async () => {
    const writer = createSpoolWriter({ dir, firstSegment: 1, segmentBytes: 150 });
    for (let i = 0; i < 10; i++) writer.append(line(i));
    let position = { segment: 1, offset: 0 };
    const seen: string[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const batch = await readSpoolBatch(dir, position, { maxLines: 3 });
      if (batch.lines.length === 0 && batch.next.segment === position.segment && batch.bytes === 0) break;
      seen.push(...batch.lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId));
      position = batch.next;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    // New lines in the newest segment are found from the same position.
    writer.append(line(10));
    const more = await readSpoolBatch(dir, position, { maxLines: 3 });
    expect(more.lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(["r10"]);
    writer.close();
  });

  test("a line longer than the read chunk is read whole", async () => {
    const writer = createSpoolWriter({ dir, firstSegment: 1, segmentBytes: 1 << 20 });
    const long = `${JSON.stringify({ requestId: "long", pad: "y".repeat(5000) })}\n`;
    writer.append(new TextEncoder().encode(long));
    writer.close();
    const batch = await readSpoolBatch(dir, { segment: 1, offset: 0 }, { maxLines: 10, chunkBytes: 64 });
    expect(batch.lines).toEqual([long.trimEnd()]);
    expect(batch.bytes).toBe(long.length);
  });
});

describe("spool reader", () => {
  test("a torn last line of a sealed segment is skipped; of the newest it is waited for", async () => {
    appendFileSync(segmentPath(dir, 1), `{"requestId":"a"}\n{"requestId":"to`);
    const first = await readSpoolBatch(dir, { segment: 1, offset: 0 }, { maxLines: 10 });
    expect(first.lines).toEqual(['{"requestId":"a"}']);
    const waiting = await readSpoolBatch(dir, first.next, { maxLines: 10 });
    expect(waiting.lines).toEqual([]);
    expect(waiting.next).toEqual(first.next);
    appendFileSync(segmentPath(dir, 2), `{"requestId":"b"}\n`);
    const moved = await readSpoolBatch(dir, first.next, { maxLines: 10 });
    expect(moved.lines).toEqual(['{"requestId":"b"}']);
    expect(moved.tornBytes).toBe('{"requestId":"to'.length);
    expect(moved.next).toEqual({ segment: 2, offset: 18 });
  });

  test("a missing segment is passed over", async () => {
    appendFileSync(segmentPath(dir, 5), `{"requestId":"c"}\n`);
    const batch = await readSpoolBatch(dir, { segment: 3, offset: 7 }, { maxLines: 10 });
    expect(batch.lines).toEqual(['{"requestId":"c"}']);
  });

  test("measurePending counts bytes and lines after a position in sealed segments", async () => {
    appendFileSync(segmentPath(dir, 1), "aaaa\nbbbb\n");
    appendFileSync(segmentPath(dir, 2), "cccc\n");
    appendFileSync(segmentPath(dir, 3), "active\n");
    expect(await measurePending(dir, { segment: 1, offset: 5 }, 3)).toEqual({ bytes: 10, events: 2 });
  });
});

describe("offset file", () => {
  test("round-trips and removes delivered segments", async () => {
    expect(await readSpoolOffset(dir)).toBeUndefined();
    for (const seq of [1, 2, 3]) appendFileSync(segmentPath(dir, seq), "x\n");
    await writeSpoolOffset(dir, { segment: 3, offset: 2 });
    expect(await readSpoolOffset(dir)).toEqual({ segment: 3, offset: 2 });
    await removeDeliveredSegments(dir, { segment: 3, offset: 2 });
    expect(await listSegments(dir)).toEqual([3]);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(statSync(join(dir, "offset.json")).mode & 0o777).toBe(0o600);
  });
});

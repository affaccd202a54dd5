import { describe, expect, test } from "bun:test";
import { BATCH_BYTES, BATCH_MS, createLineWriter } from "../../src/runtime/line-writer-batch.ts";

function recordingSink() {
  const writes: string[] = [];
  let flushes = 0;
  return {
    writes,
    flushes: () => flushes,
    sink: {
      write: (text: string) => void writes.push(text),
      flush: () => {
        flushes++;
      },
    },
  };
}

describe("line writer", () => {
  test("lines of one burst go out in one write, after the batch delay", async () => {
    const r = recordingSink();
    const w = createLineWriter(r.sink);
    for (let i = 0; i < 100; i++) w.writeBatched(`line ${i}`);
    expect(r.writes).toEqual([]);
    await Bun.sleep(BATCH_MS * 5);
    expect(r.writes).toHaveLength(1);
    expect(r.writes[0]!.split("\n")).toHaveLength(101);
    expect(r.writes[0]!.endsWith("line 99\n")).toBe(true);
  });

  test("a full batch is written at once, without waiting", () => {
    const r = recordingSink();
    const w = createLineWriter(r.sink);
    const line = "x".repeat(1023);
    for (let i = 0; i < BATCH_BYTES / 1024; i++) w.writeBatched(line);
    expect(r.writes).toHaveLength(1);
    expect(r.writes[0]!.length).toBe(BATCH_BYTES);
  });

  test("flush writes every pending line at once (shutdown loses nothing)", async () => {
    const r = recordingSink();
    const w = createLineWriter(r.sink);
    w.writeBatched("a");
    w.writeBatched("b");
    await w.flush();
    expect(r.writes).toEqual(["a\nb\n"]);
    expect(r.flushes()).toBeGreaterThan(0);
    // Nothing is written twice once the delay has passed.
    await Bun.sleep(BATCH_MS * 3);
    expect(r.writes).toEqual(["a\nb\n"]);
  });

  test("the server's own records go out within the turn, after the lines pending before them", async () => {
    const r = recordingSink();
    const w = createLineWriter(r.sink);
    w.writeBatched("access");
    w.write("listening");
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.writes).toEqual(["access\nlistening\n"]);
  });
});

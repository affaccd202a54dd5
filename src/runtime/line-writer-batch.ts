/**
 * Buffers lines for stdout and writes them in batches, off the request path. Access log lines
 * (writeBatched) go out when 64 KiB are pending or 10 ms after the first pending one, whichever
 * comes first, instead of one write per event-loop turn; the server's own records (write) at the
 * end of the turn, as before, carrying whatever is pending with them, in order. flush() writes
 * what is pending at once; the host calls it on shutdown, so no line is lost there. (The audit
 * trail does not depend on this: it records every entry synchronously into its own spool.)
 */
export interface LineWriter {
  write(line: string): void;
  writeBatched(line: string): void;
  flush(): Promise<void>;
}

export interface LineSink {
  write(text: string): void;
  flush(): void | Promise<void>;
}

export const BATCH_BYTES = 64 * 1024;
export const BATCH_MS = 10;

export function createLineWriter(sink: LineSink): LineWriter {
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate = false;
  const flushNow = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    immediate = false;
    if (pending === "") return;
    const text = pending;
    pending = "";
    sink.write(text);
    void sink.flush();
  };
  return {
    write(line) {
      pending += `${line}\n`;
      if (!immediate) {
        immediate = true;
        setImmediate(flushNow);
      }
    },
    writeBatched(line) {
      pending += `${line}\n`;
      if (pending.length >= BATCH_BYTES) flushNow();
      else if (timer === undefined) timer = setTimeout(flushNow, BATCH_MS);
    },
    async flush() {
      flushNow();
      await sink.flush();
    },
  };
}

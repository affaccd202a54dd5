/**
 * The supervisor's stdout (serve-supervisor.ts): unless stdout is a regular file, the one writer of
 * the host's output. Workers write their access log and log lines into a pipe each, and the
 * supervisor passes on whole lines only.
 * Written straight to a shared stdout, N processes' writes mix mid-line whenever stdout is a pipe
 * or a socket (the kernel keeps a pipe write whole only up to 4 KiB, and the workers write up to
 * 64 KiB at a time), which a log collector then cannot parse.
 */
export interface LineOutput {
  /** One whole line (without its newline), e.g. the supervisor's own log records. */
  line(text: string): void;
  /** Passes on what a worker writes, whole lines at a time, until the stream ends. */
  relay(stream: ReadableStream<Uint8Array>): Promise<void>;
  /** Resolves once everything written so far is out. */
  flush(): Promise<void>;
}

const newline = 10;

export function createLineOutput(): LineOutput {
  const writer = Bun.stdout.writer();
  const encoder = new TextEncoder();
  return {
    flush: async () => void (await writer.flush()),
    line(text) {
      writer.write(encoder.encode(`${text}\n`));
      void writer.flush();
    },
    async relay(stream) {
      let rest: Uint8Array | undefined;
      for await (const chunk of stream) {
        const data = rest ? joined(rest, chunk) : chunk;
        const end = data.lastIndexOf(newline) + 1;
        rest = end < data.length ? data.slice(end) : undefined;
        if (end === 0) continue;
        writer.write(data.subarray(0, end));
        // Waiting for the write lets a slow reader of stdout slow the workers, not fill this memory.
        await writer.flush();
      }
      if (rest) {
        writer.write(joined(rest, Uint8Array.of(newline)));
        await writer.flush();
      }
    },
  };
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Reading `perf record -g` samples of a Bun process with its JavaScript named: JavaScriptCore writes
 * a jitdump (BUN_JSC_useJITDump=1) that `jitdumpToPerfMap` turns into the /tmp/perf-PID.map perf
 * reads for anonymous code, and `classify` sorts the main thread's samples into kernel time (by
 * system call), runtime native code with no JavaScript on the stack (the HTTP server, the event
 * loop), and JavaScript functions (with the native and kernel code they call).
 */
import { readFileSync, writeFileSync } from "node:fs";

/** Writes the code-load records of a jitdump as a perf map ("start size name" per line); returns their count. */
export function jitdumpToPerfMap(dumpFile: string, mapFile: string): number {
  const data = readFileSync(dumpFile);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerSize = view.getUint32(8, true);
  const lines: string[] = [];
  for (let at = headerSize; at + 16 <= data.length; ) {
    const id = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size === 0) break;
    // JIT_CODE_LOAD: pid, tid, vma, code_addr, code_size, code_index, then the NUL-terminated name.
    if (id === 0 && at + 56 <= data.length) {
      const codeAddr = view.getBigUint64(at + 32, true);
      const codeSize = view.getBigUint64(at + 40, true);
      const nameEnd = data.indexOf(0, at + 56);
      const name = data.toString("utf8", at + 56, nameEnd < 0 ? at + size : nameEnd);
      lines.push(`${codeAddr.toString(16)} ${codeSize.toString(16)} ${name}`);
    }
    at += size;
  }
  writeFileSync(mapFile, `${lines.join("\n")}\n`);
  return lines.length;
}

export interface Frame {
  symbol: string;
  dso: string;
}

/**
 * Samples of one thread from `perf script -F comm,tid,ip,sym,dso` output, leaf frame first; counts
 * every thread's samples by its name into `byThread`.
 */
export function samplesOfThread(perfScript: string, tid: number, byThread?: Map<string, number>): Frame[][] {
  const samples: Frame[][] = [];
  let current: Frame[] | undefined;
  for (const line of perfScript.split("\n")) {
    if (line.length === 0) continue;
    if (!line.startsWith("\t")) {
      // "<thread name> <tid>": the name may hold spaces ("Bun Pool 0").
      const header = line.trim();
      const at = header.lastIndexOf(" ");
      const id = Number.parseInt(header.slice(at + 1), 10);
      if (byThread)
        bump(
          byThread,
          id === tid ? "event loop (main thread)" : header.slice(0, at).trim().replace(/\d+$/, "N"),
        );
      current = id === tid ? [] : undefined;
      if (current) samples.push(current);
      continue;
    }
    if (!current) continue;
    const match = /^\s*[0-9a-f]+ (.*) \((.*)\)$/.exec(line);
    if (match) current.push({ symbol: match[1]!, dso: match[2]! });
  }
  return samples;
}

const isJit = (frame: Frame) => frame.dso.includes("/perf-") || frame.dso.startsWith("[JIT]");
const isKernel = (frame: Frame) => frame.dso === "[kernel.kallsyms]";
/** JIT names carry a tier and a code hash ("JSC-FTL: settle#BHYwIn"); thunks are not functions. */
function functionName(frame: Frame): string | undefined {
  if (frame.symbol.includes("Thunk") || frame.symbol.includes("OSRExit")) return undefined;
  const name = frame.symbol.replace(/^JSC-[A-Za-z]+: /, "").replace(/#\w+$/, "");
  return name === "" ? "(anonymous)" : name;
}

export interface Breakdown {
  samples: number;
  /** By where the leaf frame is: kernel, runtime native code, JIT code. */
  leaf: Map<string, number>;
  /** Kernel samples by system call (or the kernel's own function outside one). */
  kernel: Map<string, number>;
  /** Samples with no JavaScript frame at all, by kernel system call or "native". */
  outsideJs: Map<string, number>;
  /** Per JavaScript function: the samples where it is the innermost JS frame (with what it calls). */
  jsSelf: Map<string, number>;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

function systemCallOf(sample: Frame[]): string | undefined {
  const call = sample.find((f) => f.symbol.startsWith("__x64_sys_") || f.symbol.startsWith("__arm64_sys_"));
  return call?.symbol.replace(/^__(x64|arm64)_sys_/, "");
}

export function classify(samples: Frame[][]): Breakdown {
  const result: Breakdown = {
    samples: samples.length,
    leaf: new Map(),
    kernel: new Map(),
    outsideJs: new Map(),
    jsSelf: new Map(),
  };
  for (const sample of samples) {
    const leaf = sample[0];
    if (!leaf) continue;
    bump(result.leaf, isKernel(leaf) ? "kernel" : isJit(leaf) ? "JIT code" : "runtime native code");
    const call = systemCallOf(sample);
    if (isKernel(leaf)) bump(result.kernel, call ?? `(kernel) ${leaf.symbol}`);
    const js = sample
      .filter(isJit)
      .map(functionName)
      .find((name) => name !== undefined);
    if (js) bump(result.jsSelf, js);
    else if (!sample.some(isJit))
      bump(result.outsideJs, call ? `system call ${call}` : "runtime native code");
    else bump(result.jsSelf, "(JIT thunks)");
  }
  return result;
}

/** The largest entries of a count map as table rows: name, share of all samples, µs per request. */
export function topRows(map: Map<string, number>, all: number, usPerSample: number, count: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([name, n]) =>
        `| ${name.replaceAll("|", "\\|")} | ${((100 * n) / all).toFixed(1)} % | ${(n * usPerSample).toFixed(1)} |`,
    );
}

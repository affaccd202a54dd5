/**
 * Builds the Node entry: `src/main.ts` bundled for Node into dist/node/s3dir.mjs, with every
 * `src/runtime/X.ts` that has a twin `src/runtime/node/X.ts` swapped for the twin. The Bun
 * modules (bun:ffi, Bun.serve, Bun.CryptoHasher) stay exactly as they are for Bun hosts; the
 * choice is made once, here, at build time. Packages stay external (koffi and @node-rs/crc32
 * load native code) and resolve from the repository's node_modules.
 *
 *   bun src/runtime/node-build.ts        (npm run build:node)
 */
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { BunPlugin } from "bun";

const runtimeDir = import.meta.dir;
const srcDir = resolve(runtimeDir, "..");
export const repoDir = resolve(srcDir, "..");
export const nodeEntry = join(repoDir, "dist", "node", "s3dir.mjs");

const swapRuntime: BunPlugin = {
  name: "s3dir-node-runtime",
  setup(build) {
    build.onResolve({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(".") || !args.importer) return undefined;
      const target = resolve(dirname(args.importer), args.path);
      if (dirname(target) !== runtimeDir) return undefined;
      const twin = join(runtimeDir, "node", basename(target));
      return existsSync(twin) ? { path: twin } : undefined;
    });
  },
};

/**
 * Bundles the Node entry to `outFile`, replacing it atomically (a host starting meanwhile reads
 * the old or the new bundle, never half of one); throws with the bundler's messages on failure.
 */
export async function buildNodeEntry(outFile = nodeEntry): Promise<string> {
  const temp = `${basename(outFile, ".mjs")}.${process.pid}-${Date.now()}.tmp.mjs`;
  const result = await Bun.build({
    entrypoints: [join(srcDir, "main.ts")],
    outdir: dirname(outFile),
    naming: temp,
    target: "node",
    format: "esm",
    packages: "external",
    plugins: [swapRuntime],
  });
  if (!result.success) {
    throw new Error(`building ${outFile} failed:\n${result.logs.map(String).join("\n")}`);
  }
  renameSync(join(dirname(outFile), temp), outFile);
  return outFile;
}

/** Newest modification time (ms) of a source file under src/. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The Node entry, built first when it is missing or older than any source file. */
export async function ensureNodeEntry(): Promise<string> {
  const built = existsSync(nodeEntry) ? statSync(nodeEntry).mtimeMs : 0;
  if (built > newestSource(srcDir)) return nodeEntry;
  return await buildNodeEntry();
}

if (import.meta.main) {
  const path = await buildNodeEntry();
  process.stdout.write(`built ${path}\n`);
}

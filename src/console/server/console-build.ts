/**
 * Builds the console's browser code (src/console/app/) with `bun build` into
 * `dist/console/<source hash>/`: the script and the stylesheet under content-hashed names, each
 * beside its gzip twin, an HTML template and a manifest. The directory is named by a hash of the
 * sources, so a changed source gets a new build and hosts never serve a stale one; it is written
 * under a temporary name and renamed, so hosts starting together never see half a build.
 * Run at install time (`postinstall`), and by a Bun host on the first console request when the
 * build for its sources is missing.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export interface ConsoleManifest {
  sourceHash: string;
  script: string;
  style: string;
}

/** The repository: the nearest directory above this module (or the Node bundle) with a package.json. */
export function repoDirOf(moduleUrl = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const consoleAppDir = (repo: string) => join(repo, "src", "console", "app");
export const consoleDistDir = (repo: string) => join(repo, "dist", "console");

/** A hash of every source file of the browser code, in name order. */
export function consoleSourceHash(appDir: string): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(appDir, { recursive: true, encoding: "utf8" }).sort()) {
    const path = join(appDir, name);
    if (!/\.(ts|css|html)$/.test(name)) continue;
    hash.update(name).update("\0").update(readFileSync(path)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

const shortHash = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 12);

/** Builds the console for the current sources unless that build exists; returns its directory. */
export async function buildConsole(repo = repoDirOf()): Promise<string> {
  const appDir = consoleAppDir(repo);
  const sourceHash = consoleSourceHash(appDir);
  const target = join(consoleDistDir(repo), sourceHash);
  if (existsSync(join(target, "manifest.json"))) return target;
  const temp = `${target}.${process.pid}-${Date.now()}.tmp`;
  mkdirSync(temp, { recursive: true });
  try {
    const result = await Bun.build({
      entrypoints: [join(appDir, "main.ts")],
      target: "browser",
      minify: true,
      sourcemap: "none",
    });
    if (!result.success) throw new AggregateError(result.logs, "the console's build failed");
    const output = result.outputs[0];
    if (!output) throw new Error("the console's build produced no script");
    const script = new Uint8Array(await output.arrayBuffer());
    const style = readFileSync(join(appDir, "console.css"));
    const manifest: ConsoleManifest = {
      sourceHash,
      script: `console-${shortHash(script)}.js`,
      style: `console-${shortHash(style)}.css`,
    };
    for (const [name, bytes] of [
      [manifest.script, script],
      [manifest.style, style],
    ] as const) {
      writeFileSync(join(temp, name), bytes);
      writeFileSync(join(temp, `${name}.gz`), gzipSync(bytes, { level: 9 }));
    }
    writeFileSync(join(temp, "index.html"), readFileSync(join(appDir, "index.html")));
    writeFileSync(join(temp, "manifest.json"), JSON.stringify(manifest));
    try {
      renameSync(temp, target);
    } catch (e) {
      // Another process built the same sources meanwhile: its build is as good as ours.
      if (!existsSync(join(target, "manifest.json"))) throw e;
    }
    writeFileSync(join(consoleDistDir(repo), "latest"), sourceHash);
    pruneOlderBuilds(consoleDistDir(repo), sourceHash);
    return target;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Removes the builds of other sources: a host keeps the assets it serves in memory. */
function pruneOlderBuilds(dist: string, keep: string): void {
  for (const name of readdirSync(dist)) {
    if (/^[0-9a-f]{16}$/.test(name) && name !== keep)
      rmSync(join(dist, name), { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const dir = await buildConsole(resolve(process.argv[2] ?? repoDirOf()));
  console.log(`s3dir console built in ${dir}`);
}

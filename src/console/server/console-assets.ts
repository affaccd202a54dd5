/**
 * The console's built files, read once into memory: a Bun host builds them on first use when
 * the build for the current sources is missing; a Node host (which has no bundler) serves the
 * latest build that `npm install` made, or none.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildConsole,
  type ConsoleManifest,
  consoleAppDir,
  consoleDistDir,
  consoleSourceHash,
  repoDirOf,
} from "./console-build.ts";

export interface ConsoleAsset {
  body: Uint8Array;
  gzip: Uint8Array;
  type: string;
}

export interface ConsoleAssets {
  manifest: ConsoleManifest;
  /** The page, with `{{SCRIPT}}`, `{{STYLE}}` and `{{REGION}}` still in it. */
  template: string;
  /** Hashed file name → asset. */
  files: Map<string, ConsoleAsset>;
}

let loading: Promise<ConsoleAssets> | undefined;

/** The assets, built or read once per process. */
export function consoleAssets(): Promise<ConsoleAssets> {
  loading ??= loadAssets().catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

async function loadAssets(): Promise<ConsoleAssets> {
  const repo = repoDirOf();
  const dir = await builtDir(repo);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as ConsoleManifest;
  const files = new Map<string, ConsoleAsset>();
  for (const [name, type] of [
    [manifest.script, "text/javascript; charset=utf-8"],
    [manifest.style, "text/css; charset=utf-8"],
  ] as const) {
    files.set(name, {
      body: readFileSync(join(dir, name)),
      gzip: readFileSync(join(dir, `${name}.gz`)),
      type,
    });
  }
  return { manifest, template: readFileSync(join(dir, "index.html"), "utf8"), files };
}

async function builtDir(repo: string): Promise<string> {
  if (typeof Bun !== "undefined") return await buildConsole(repo);
  const dist = consoleDistDir(repo);
  const sources = consoleAppDir(repo);
  const hash = existsSync(sources)
    ? consoleSourceHash(sources)
    : readFileSync(join(dist, "latest"), "utf8").trim();
  const dir = join(dist, hash);
  if (!existsSync(join(dir, "manifest.json")))
    throw new Error(
      `the console is not built (${dir}): run npm install, or bun src/console/server/console-build.ts`,
    );
  return dir;
}

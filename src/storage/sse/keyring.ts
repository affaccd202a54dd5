/**
 * The SSE-S3 master key ring: `<root>/.s3dir/sse/keys.json` (mode 0600), shared by every
 * host. Each key has a short id and 32 random bytes; the first key wraps the data keys of
 * new objects, every key listed still unwraps. Created on first use by createOnce, so racing
 * hosts agree on one ring; re-stat'ed at most once a second and re-read at once when an
 * object names a key id the loaded ring lacks (another host rotated meanwhile).
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createOnce, replaceAtomically } from "../../runtime/shared-file.ts";

const revalidateMs = 1000;

export interface SseMasterKey {
  id: string;
  key: Uint8Array;
  created: string;
  /** When a newer key replaced it as current (ISO time). */
  retired?: string;
}

export interface SseKeySet {
  current: SseMasterKey;
  keys: SseMasterKey[];
  byId: Map<string, SseMasterKey>;
}

export interface SseKeyring {
  /** The ring as last loaded (revalidated at most once a second). */
  keys(): Promise<SseKeySet>;
  /** The key with this id, re-reading the ring once when it is not known yet. */
  key(id: string): Promise<SseMasterKey | undefined>;
}

export function sseKeysFile(root: string): string {
  return join(root, ".s3dir", "sse", "keys.json");
}

export function newSseMasterKey(): SseMasterKey {
  const key = new Uint8Array(randomBytes(32));
  return {
    id: createHash("sha256").update(key).digest("hex").slice(0, 12),
    key,
    created: new Date().toISOString(),
  };
}

function serialize(keys: SseMasterKey[]): string {
  const list = keys.map((k) => ({
    id: k.id,
    key: Buffer.from(k.key).toString("base64"),
    created: k.created,
    ...(k.retired ? { retired: k.retired } : {}),
  }));
  return `${JSON.stringify({ keys: list }, null, 2)}\n`;
}

function parse(file: string, text: string): SseKeySet {
  const json = JSON.parse(text) as {
    keys?: { id?: unknown; key?: unknown; created?: unknown; retired?: unknown }[];
  };
  const keys: SseMasterKey[] = [];
  for (const k of json.keys ?? []) {
    if (typeof k.id !== "string" || typeof k.key !== "string")
      throw new Error(`${file}: malformed key entry`);
    const key = new Uint8Array(Buffer.from(k.key, "base64"));
    if (key.length !== 32) throw new Error(`${file}: key ${k.id} is not 32 bytes`);
    const entry: SseMasterKey = { id: k.id, key, created: typeof k.created === "string" ? k.created : "" };
    if (typeof k.retired === "string") entry.retired = k.retired;
    keys.push(entry);
  }
  const [current] = keys;
  if (!current) throw new Error(`${file}: no keys`);
  return { current, keys, byId: new Map(keys.map((k) => [k.id, k])) };
}

/** Reads the ring, creating it with one key (one winner among racing hosts) on first use. */
export async function loadSseKeys(root: string): Promise<SseKeySet> {
  const file = sseKeysFile(root);
  try {
    return parse(file, await readFile(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await createOnce(file, serialize([newSseMasterKey()]));
  return parse(file, await readFile(file, "utf8"));
}

/** Replaces the ring atomically with these keys (the first becomes current). */
export async function writeSseKeys(root: string, keys: SseMasterKey[]): Promise<void> {
  const file = sseKeysFile(root);
  await replaceAtomically(file, serialize(keys));
}

/** The ring as the server sees it; created lazily on the first encrypted write or read. */
export function createSseKeyring(root: string, now: () => number = Date.now): SseKeyring {
  const file = sseKeysFile(root);
  let loaded: SseKeySet | undefined;
  let stamp = "";
  let checkedAt = 0;
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const s = await stat(file, { bigint: true }).catch(() => undefined);
    const next = s ? `${s.ino}:${s.mtimeNs}:${s.size}` : "";
    if (next !== stamp || !loaded) {
      loaded = next ? parse(file, await readFile(file, "utf8")) : await loadSseKeys(root);
      stamp = next;
    }
    checkedAt = now();
  }

  function reload(): Promise<void> {
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  async function keys(): Promise<SseKeySet> {
    if (!loaded || now() - checkedAt >= revalidateMs) await reload();
    return loaded!;
  }

  return {
    keys,
    async key(id) {
      const found = (await keys()).byId.get(id);
      if (found) return found;
      await reload();
      return loaded!.byId.get(id);
    },
  };
}

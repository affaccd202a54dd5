import { createHash, randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TokenKey } from "../auth/session-token.ts";
import { createOnce, replaceAtomically } from "../runtime/shared-file.ts";

/** How long the loaded key set is trusted before the file is stat'ed again. */
const revalidateMs = 1000;

/** The token key set: the first key seals new tokens; every key listed still opens tokens. */
export interface TokenKeySet {
  current: TokenKey;
  byId: Map<string, TokenKey>;
}

export function tokenKeysFile(root: string): string {
  return join(root, ".s3dir", "sts", "token-keys.json");
}

function newKey(): TokenKey {
  const key = new Uint8Array(randomBytes(32));
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 12), key };
}

function serialize(keys: TokenKey[]): string {
  const created = new Date().toISOString();
  return `${JSON.stringify({ keys: keys.map((k) => ({ id: k.id, key: Buffer.from(k.key).toString("base64"), created })) }, null, 2)}\n`;
}

function parse(file: string, text: string): TokenKeySet {
  const json = JSON.parse(text) as { keys?: { id?: unknown; key?: unknown }[] };
  const keys: TokenKey[] = [];
  for (const k of json.keys ?? []) {
    if (typeof k.id !== "string" || typeof k.key !== "string")
      throw new Error(`${file}: malformed key entry`);
    const bytes = new Uint8Array(Buffer.from(k.key, "base64"));
    if (bytes.length !== 32) throw new Error(`${file}: key ${k.id} is not 32 bytes`);
    keys.push({ id: k.id, key: bytes });
  }
  const [current] = keys;
  if (!current) throw new Error(`${file}: no keys`);
  return { current, byId: new Map(keys.map((k) => [k.id, k])) };
}

/** Reads the key set, creating it (one winner among racing hosts, by createOnce) on first use. */
export async function loadTokenKeys(root: string): Promise<TokenKeySet> {
  const file = tokenKeysFile(root);
  try {
    return parse(file, await readFile(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await createOnce(file, serialize([newKey()]));
  return parse(file, await readFile(file, "utf8"));
}

/**
 * Replaces the key set with one new key: every session token issued so far stops opening on every
 * host within about a second. Returns the new key's id.
 */
export async function rotateTokenKeys(root: string): Promise<string> {
  const file = tokenKeysFile(root);
  const key = newKey();
  await replaceAtomically(file, serialize([key]));
  return key.id;
}

/** The key set as the server sees it: re-stat'ed at most once a second, re-read when it changed. */
export function createTokenKeyCache(root: string, initial: TokenKeySet, now: () => number = Date.now) {
  const file = tokenKeysFile(root);
  let keys = initial;
  let stamp = "";
  let checkedAt = now();
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const s = await stat(file, { bigint: true }).catch(() => undefined);
    const next = s ? `${s.ino}:${s.mtimeNs}:${s.size}` : "";
    if (next !== stamp) {
      keys = next ? parse(file, await readFile(file, "utf8")) : await loadTokenKeys(root);
      stamp = next;
    }
    checkedAt = now();
  }

  return async function tokenKeys(): Promise<TokenKeySet> {
    if (now() - checkedAt >= revalidateMs || stamp === "") {
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      await refreshing;
    }
    return keys;
  };
}

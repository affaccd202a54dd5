/**
 * The SSE-KMS key ring: named keys in the system directory, no external KMS. Each key is one
 * file `<root>/.s3dir/kms/keys/<uuid>.json` (mode 0600) with its ARN, state and key material
 * versions; each version's 32 bytes are stored only wrapped by an SSE master key (keyring.ts),
 * so `s3dir master-key rotate` rewraps them too. Aliases are files
 * `<root>/.s3dir/kms/aliases/<name>` naming a key id, published with createOnce so that of
 * racing creators (two hosts making the default key `aws/s3`) exactly one wins.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { createOnce, replaceAtomically } from "../../runtime/shared-file.ts";
import { fromBase64, toBase64, unwrapDataKey, wrapDataKey } from "../../sse/data-key.ts";
import type { KmsHome } from "./records.ts";

/** The master keys that wrap key material: the SSE key ring (or what a command loaded of it). */
export interface MasterKeys {
  keys(): Promise<{ current: { id: string; key: Uint8Array } }>;
  key(id: string): Promise<{ id: string; key: Uint8Array } | undefined>;
}

export interface KmsKeyVersion {
  v: number;
  created: string;
  /** The SSE master key that wraps the material. */
  k: string;
  /** The material, wrapped (base64). */
  w: string;
}

export interface KmsKeyRecord {
  id: string;
  arn: string;
  description: string;
  created: string;
  enabled: boolean;
  /** Newest first: the first wraps new data keys, every one still unwraps. */
  versions: KmsKeyVersion[];
}

export const DEFAULT_KMS_ALIAS = "alias/aws/s3";
const DEFAULT_DESCRIPTION = "Default key that protects my S3 objects when no other key is defined";
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const aliasShape = /^alias\/[A-Za-z0-9/_-]{1,250}$/;

export function kmsDir(root: string): string {
  return join(root, ".s3dir", "kms");
}

export function kmsKeyFile(root: string, id: string): string {
  return join(kmsDir(root), "keys", `${id}.json`);
}

/** `alias/a/b` → `.../aliases/a%2Fb` (alias names keep to letters, digits, `/`, `_` and `-`). */
export function kmsAliasFile(root: string, alias: string): string {
  return join(kmsDir(root), "aliases", encodeURIComponent(alias.slice("alias/".length)));
}

export function isKeyId(text: string): boolean {
  return uuidShape.test(text);
}

export function isAliasName(text: string): boolean {
  return aliasShape.test(text);
}

/** The key id an ARN `arn:aws:kms:<region>:<account>:key/<id>` names, or undefined. */
export function keyIdOfArn(arn: string): string | undefined {
  const m = /^arn:aws:kms:[a-z0-9-]*:\d*:key\/(.+)$/.exec(arn);
  return m && isKeyId(m[1]!) ? m[1] : undefined;
}

/** The alias an ARN `arn:aws:kms:<region>:<account>:alias/<name>` names, or undefined. */
export function aliasOfArn(arn: string): string | undefined {
  const m = /^arn:aws:kms:[a-z0-9-]*:\d*:(alias\/.+)$/.exec(arn);
  return m && isAliasName(m[1]!) ? m[1] : undefined;
}

function materialBinding(id: string, v: number): string {
  return `key material\0${id}\0${v}`;
}

/** The binding of a data key wrapped by a KMS key: key, version and encryption context. */
export function dataKeyBinding(id: string, v: number, context: string | undefined): string {
  return `data key\0${id}\0${v}\0${context ?? ""}`;
}

export function parseKmsKey(file: string, text: string): KmsKeyRecord {
  const j = JSON.parse(text) as Partial<KmsKeyRecord>;
  if (typeof j.id !== "string" || typeof j.arn !== "string" || !Array.isArray(j.versions)) {
    throw new Error(`${file}: malformed KMS key`);
  }
  return {
    id: j.id,
    arn: j.arn,
    description: typeof j.description === "string" ? j.description : "",
    created: typeof j.created === "string" ? j.created : "",
    enabled: j.enabled !== false,
    versions: j.versions,
  };
}

function serialize(key: KmsKeyRecord): string {
  return `${JSON.stringify(key, null, 2)}\n`;
}

export async function readKmsKey(root: string, id: string): Promise<KmsKeyRecord | undefined> {
  const file = kmsKeyFile(root, id);
  try {
    return parseKmsKey(file, await readFile(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export async function writeKmsKey(root: string, key: KmsKeyRecord): Promise<void> {
  await replaceAtomically(kmsKeyFile(root, key.id), serialize(key));
}

/** The key id an alias names, or undefined. */
export async function readKmsAlias(root: string, alias: string): Promise<string | undefined> {
  try {
    const id = (await readFile(kmsAliasFile(root, alias), "utf8")).trim();
    return isKeyId(id) ? id : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function newVersion(master: MasterKeys, id: string, v: number): Promise<KmsKeyVersion> {
  const { current } = await master.keys();
  const material = new Uint8Array(randomBytes(32));
  const wrapped = await wrapDataKey(current.key, "KMS", material, materialBinding(id, v));
  return { v, created: new Date().toISOString(), k: current.id, w: toBase64(wrapped) };
}

/** The raw material of a version; throws when its master key is gone or does not unwrap it. */
export async function unwrapMaterial(
  master: MasterKeys,
  key: KmsKeyRecord,
  version: KmsKeyVersion,
): Promise<Uint8Array> {
  const wrapping = await master.key(version.k);
  if (!wrapping)
    throw new Error(`KMS key ${key.id} v${version.v}: SSE master key ${version.k} is not in the ring`);
  return unwrapDataKey(wrapping.key, "KMS", fromBase64(version.w), materialBinding(key.id, version.v));
}

export interface CreateKmsKeyOptions {
  home: KmsHome;
  description?: string;
  /** `alias/NAME` to publish for the key; refused when it names another key already. */
  alias?: string;
}

export class KmsAliasTaken extends Error {}

/**
 * Makes a key (and its alias). When the alias is taken meanwhile, the new key is removed and
 * KmsAliasTaken names the winner's id in its message.
 */
export async function createKmsKey(
  root: string,
  master: MasterKeys,
  options: CreateKmsKeyOptions,
): Promise<KmsKeyRecord> {
  const id = randomUUID();
  const key: KmsKeyRecord = {
    id,
    arn: `arn:aws:kms:${options.home.region}:${options.home.account}:key/${id}`,
    description: options.description ?? "",
    created: new Date().toISOString(),
    enabled: true,
    versions: [await newVersion(master, id, 1)],
  };
  await createOnce(kmsKeyFile(root, id), serialize(key));
  if (options.alias && !(await createOnce(kmsAliasFile(root, options.alias), `${id}\n`))) {
    await unlink(kmsKeyFile(root, id)).catch(() => {});
    throw new KmsAliasTaken((await readKmsAlias(root, options.alias)) ?? "");
  }
  return key;
}

/** The default key `aws/s3`, made on first use (one winner among racing hosts). */
export async function defaultKmsKey(root: string, master: MasterKeys, home: KmsHome): Promise<string> {
  const existing = await readKmsAlias(root, DEFAULT_KMS_ALIAS);
  if (existing) return existing;
  try {
    return (
      await createKmsKey(root, master, { home, description: DEFAULT_DESCRIPTION, alias: DEFAULT_KMS_ALIAS })
    ).id;
  } catch (e) {
    if (e instanceof KmsAliasTaken && e.message) return e.message;
    throw e;
  }
}

export interface KmsKeyListing extends KmsKeyRecord {
  aliases: string[];
}

/** Every key with its aliases, oldest first. */
export async function listKmsKeys(root: string): Promise<KmsKeyListing[]> {
  const names = await readdir(join(kmsDir(root), "keys")).catch(() => [] as string[]);
  const aliasFiles = await readdir(join(kmsDir(root), "aliases")).catch(() => [] as string[]);
  const aliases = new Map<string, string[]>();
  for (const f of aliasFiles) {
    if (f.startsWith(".")) continue;
    const alias = `alias/${decodeURIComponent(f)}`;
    const id = await readKmsAlias(root, alias);
    if (id) aliases.set(id, [...(aliases.get(id) ?? []), alias]);
  }
  const keys: KmsKeyListing[] = [];
  for (const name of names) {
    const id = name.endsWith(".json") ? name.slice(0, -5) : "";
    if (!isKeyId(id)) continue;
    const key = await readKmsKey(root, id);
    if (key) keys.push({ ...key, aliases: (aliases.get(id) ?? []).sort() });
  }
  return keys.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
}

/** The key a command names: its id, its ARN, `alias/NAME`, an alias ARN or plain NAME. */
export async function findKmsKey(root: string, text: string): Promise<KmsKeyRecord | undefined> {
  let id: string | undefined = isKeyId(text) ? text : keyIdOfArn(text);
  if (!id) {
    const alias = aliasOfArn(text) ?? (text.startsWith("alias/") ? text : `alias/${text}`);
    if (isAliasName(alias)) id = await readKmsAlias(root, alias);
  }
  return id ? readKmsKey(root, id) : undefined;
}

/** A new material version becomes current; objects sealed under older versions stay readable. */
export async function rotateKmsKey(
  root: string,
  master: MasterKeys,
  key: KmsKeyRecord,
): Promise<KmsKeyRecord> {
  const next = (key.versions[0]?.v ?? 0) + 1;
  const rotated = { ...key, versions: [await newVersion(master, key.id, next), ...key.versions] };
  await writeKmsKey(root, rotated);
  return rotated;
}

export async function setKmsKeyEnabled(
  root: string,
  key: KmsKeyRecord,
  enabled: boolean,
): Promise<KmsKeyRecord> {
  const changed = { ...key, enabled };
  await writeKmsKey(root, changed);
  return changed;
}

/**
 * SSE master key rotation: every version of every KMS key is rewrapped under `current`.
 * Returns the master key ids still referenced by versions that could not be rewrapped.
 */
export async function rewrapKmsKeys(
  root: string,
  master: MasterKeys,
  current: { id: string; key: Uint8Array },
): Promise<{ rewrapped: number; failed: string[]; referenced: string[] }> {
  const result = { rewrapped: 0, failed: [] as string[], referenced: [] as string[] };
  for (const key of await listKmsKeys(root)) {
    let changed = false;
    const versions: KmsKeyVersion[] = [];
    for (const version of key.versions) {
      if (version.k === current.id) {
        versions.push(version);
        continue;
      }
      try {
        const material = await unwrapMaterial(master, key, version);
        const wrapped = await wrapDataKey(current.key, "KMS", material, materialBinding(key.id, version.v));
        versions.push({ ...version, k: current.id, w: toBase64(wrapped) });
        changed = true;
        result.rewrapped++;
      } catch {
        versions.push(version);
        result.referenced.push(version.k);
        result.failed.push(`KMS key ${key.id} v${version.v}`);
      }
    }
    if (changed) {
      const { aliases: _aliases, ...record } = key;
      await writeKmsKey(root, { ...record, versions });
    }
  }
  return result;
}

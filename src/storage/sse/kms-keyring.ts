/**
 * The KMS key ring as the server uses it: resolves what a request names (key id, key ARN, alias,
 * alias ARN, or nothing: the default key) and wraps or unwraps an object's data key under a
 * key's material. A key's file is re-stat'ed on every use, so a key disabled with
 * `s3dir kms key disable` is refused by every host at its next request, as KMS does.
 */
import { stat } from "node:fs/promises";
import { fromBase64, newDataKey, toBase64, unwrapDataKey, wrapDataKey } from "../../sse/data-key.ts";
import { StorageError } from "../errors.ts";
import {
  aliasOfArn,
  DEFAULT_KMS_ALIAS,
  dataKeyBinding,
  defaultKmsKey,
  isAliasName,
  isKeyId,
  type KmsKeyRecord,
  keyIdOfArn,
  kmsKeyFile,
  type MasterKeys,
  readKmsAlias,
  readKmsKey,
  unwrapMaterial,
} from "./kms-keys.ts";
import type { KmsRequest, SseDataKeyRecord } from "./records.ts";

export interface KmsKeyring {
  /** A fresh data key wrapped by the key the request names (KmsNotFound, KmsDisabled). */
  newDataKey(req: KmsRequest): Promise<{ dataKey: Uint8Array; record: Omit<SseDataKeyRecord, "c"> }>;
  /** The data key of an object sealed under a KMS key (KmsNotFound, KmsDisabled). */
  recoverDataKey(z: SseDataKeyRecord): Promise<Uint8Array>;
}

/** Material and data keys already unwrapped (as the SSE-S3 cache of sealing.ts), by version and wrap. */
const unwrapped = new Map<string, Uint8Array>();
const UNWRAPPED_MAX = 4096;

function remember(id: string, key: Uint8Array): void {
  if (unwrapped.size >= UNWRAPPED_MAX) unwrapped.delete(unwrapped.keys().next().value!);
  unwrapped.set(id, key);
}

/** As KMS words it: a key id or key ARN "does not exist", an alias "is not found". */
function notFoundMessage(text: string, req: KmsRequest): string {
  const arnPrefix = `arn:aws:kms:${req.home.region}:${req.home.account}`;
  if (isKeyId(text)) return `Key '${arnPrefix}:key/${text}' does not exist`;
  if (keyIdOfArn(text)) return `Key '${text}' does not exist`;
  if (aliasOfArn(text)) return `Alias ${text} is not found.`;
  if (isAliasName(text)) return `Alias ${arnPrefix}:${text} is not found.`;
  return `Invalid keyId ${text}`;
}

export function createKmsKeyring(root: string, master: MasterKeys): KmsKeyring {
  const cache = new Map<string, { stamp: string; key: KmsKeyRecord }>();

  /** The key's current record (its file re-stat'ed), or undefined when there is none. */
  async function load(id: string): Promise<KmsKeyRecord | undefined> {
    const s = await stat(kmsKeyFile(root, id), { bigint: true }).catch(() => undefined);
    if (!s) {
      cache.delete(id);
      return undefined;
    }
    const stamp = `${s.ino}:${s.mtimeNs}:${s.size}`;
    const hit = cache.get(id);
    if (hit?.stamp === stamp) return hit.key;
    const key = await readKmsKey(root, id);
    if (key) cache.set(id, { stamp, key });
    return key;
  }

  async function resolve(req: KmsRequest): Promise<KmsKeyRecord> {
    const text = req.keyId;
    let id: string | undefined;
    if (text === undefined) id = await defaultKmsKey(root, master, req.home);
    else if (isKeyId(text)) id = text;
    else if (keyIdOfArn(text)) id = keyIdOfArn(text);
    else {
      const alias = aliasOfArn(text) ?? text;
      if (isAliasName(alias)) {
        id = await readKmsAlias(root, alias);
        if (!id && alias === DEFAULT_KMS_ALIAS) id = await defaultKmsKey(root, master, req.home);
      }
    }
    const key = id ? await load(id) : undefined;
    // A key ARN must name the key as it is (region and account included).
    if (!key || (text?.startsWith("arn:") && keyIdOfArn(text) && text !== key.arn)) {
      throw new StorageError("KmsNotFound", notFoundMessage(text ?? DEFAULT_KMS_ALIAS, req));
    }
    return key;
  }

  function usable(key: KmsKeyRecord): void {
    if (!key.enabled) throw new StorageError("KmsDisabled", `${key.arn} is disabled.`);
  }

  async function material(key: KmsKeyRecord, v: number): Promise<Uint8Array> {
    const version = key.versions.find((x) => x.v === v);
    if (!version) throw new StorageError("SseUnreadable", `KMS key ${key.id} has no version ${v}`);
    const id = `m/${key.id}/${v}/${version.w}`;
    const hit = unwrapped.get(id);
    if (hit) return hit;
    try {
      const raw = await unwrapMaterial(master, key, version);
      remember(id, raw);
      return raw;
    } catch (e) {
      throw new StorageError("SseUnreadable", `KMS key ${key.id} v${v}: ${(e as Error).message}`);
    }
  }

  return {
    async newDataKey(req) {
      const key = await resolve(req);
      usable(key);
      const version = key.versions[0];
      if (!version) throw new StorageError("SseUnreadable", `KMS key ${key.id} has no material`);
      const dataKey = newDataKey();
      const wrapped = await wrapDataKey(
        await material(key, version.v),
        "KMS",
        dataKey,
        dataKeyBinding(key.id, version.v, req.context),
      );
      const record: Omit<SseDataKeyRecord, "c"> = {
        m: "KMS",
        K: key.arn,
        V: version.v,
        w: toBase64(wrapped),
      };
      if (req.context !== undefined) record.x = req.context;
      if (req.bucketKey) record.b = 1;
      return { dataKey, record };
    },

    async recoverDataKey(z) {
      const id = z.K ? keyIdOfArn(z.K) : undefined;
      const key = id ? await load(id) : undefined;
      if (!key) throw new StorageError("KmsNotFound", `Key '${z.K}' does not exist`);
      usable(key);
      const cacheId = `d/${key.id}/${z.V}/${z.w}/${z.x ?? ""}`;
      const hit = unwrapped.get(cacheId);
      if (hit) return hit;
      try {
        const dataKey = await unwrapDataKey(
          await material(key, z.V ?? 0),
          "KMS",
          fromBase64(z.w),
          dataKeyBinding(key.id, z.V ?? 0, z.x),
        );
        remember(cacheId, dataKey);
        return dataKey;
      } catch (e) {
        if (e instanceof StorageError) throw e;
        throw new StorageError("SseUnreadable", "the data key does not unwrap under its KMS key");
      }
    },
  };
}

/**
 * SSE master key rotation: a new key becomes current (every host follows within a second), the
 * data key of every SSE-S3 object and the material of every SSE-KMS key are rewrapped under it
 * (only records change, never an object's bytes), then keys that no object references any more are dropped from the ring,
 * except those retired less than `graceMs` ago: a PUT that started before the rotation still
 * seals under the key that was current then. Running it again after an interruption is safe:
 * objects already under the current key are skipped, and a key is only dropped once no object
 * names it.
 */
import { errCode } from "../../runtime/fs-ops.ts";
import { fromBase64, toBase64, unwrapDataKey, wrapDataKey } from "../../sse/data-key.ts";
import type { StoreContext } from "../context.ts";
import { ALT_PREFIX } from "../layout/alt-keys.ts";
import { RESERVED } from "../layout/keys.ts";
import { openVerified } from "../layout/paths.ts";
import { recordMatches } from "../metadata/record.ts";
import { isValidUploadId } from "../multipart/paths.ts";
import { Uploads } from "../multipart/uploads.ts";
import { loadSseKeys, newSseMasterKey, type SseMasterKey, writeSseKeys } from "./keyring.ts";
import { rewrapKmsKeys } from "./kms-keys.ts";

export interface RotationResult {
  /** The new current key. */
  current: string;
  /** Objects whose data key was rewrapped. */
  rewrapped: number;
  /** SSE-S3 objects already under the current key. */
  current_already: number;
  /** Encrypted objects that could not be rewrapped (key missing, file changed): their keys are kept. */
  failed: string[];
  /** KMS key material versions rewrapped under the new key. */
  rewrapped_kms_versions: number;
  /** Keys removed from the ring. */
  dropped: string[];
  /** Keys kept besides the current one. */
  kept: string[];
}

export async function rotateSseMasterKey(
  ctx: StoreContext,
  root: string,
  buckets: string[],
  options: { graceMs: number; now?: () => number },
): Promise<RotationResult> {
  const now = options.now ?? Date.now;
  const before = await loadSseKeys(root);
  const key = newSseMasterKey();
  const stamp = new Date(now()).toISOString();
  await writeSseKeys(root, [key, ...before.keys.map((k) => (k.retired ? k : { ...k, retired: stamp }))]);
  const byId = new Map<string, SseMasterKey>(before.keys.map((k) => [k.id, k]));
  const referenced = new Set<string>([key.id]);
  const result: RotationResult = {
    current: key.id,
    rewrapped: 0,
    current_already: 0,
    rewrapped_kms_versions: 0,
    failed: [],
    dropped: [],
    kept: [],
  };

  /** A data key wrapped by `old` (base64), wrapped by the new key instead; undefined if it does not unwrap. */
  async function rewrap(old: SseMasterKey, wrapped: string): Promise<string | undefined> {
    try {
      return toBase64(
        await wrapDataKey(key.key, "S3", await unwrapDataKey(old.key, "S3", fromBase64(wrapped))),
      );
    } catch {
      return undefined;
    }
  }

  async function visitFile(bucket: string, objectKey: string, path: string): Promise<void> {
    const { ops, meta, layout } = ctx;
    const opened = await openVerified(ops, path).catch(() => undefined);
    if (!opened?.ok) return;
    try {
      const { st } = opened;
      const t = { bucketPath: layout.bucket(bucket), key: objectKey };
      const rec = await meta.readFd(opened.fd, st, t);
      const z = rec?.z;
      if (!rec || !z || z.m !== "S3") return;
      if (z.k === key.id) {
        result.current_already++;
        return;
      }
      const old = z.k ? byId.get(z.k) : undefined;
      if (!old || !recordMatches(rec, st)) {
        if (z.k) referenced.add(z.k);
        result.failed.push(`${bucket}/${objectKey}`);
        return;
      }
      const wrapped = await rewrap(old, z.w);
      if (wrapped === undefined) {
        referenced.add(old.id);
        result.failed.push(`${bucket}/${objectKey}`);
        return;
      }
      await meta.writeFd(opened.fd, t, { ...rec, z: { ...z, k: key.id, w: wrapped } });
      result.rewrapped++;
    } finally {
      await ctx.ops.close(opened.fd);
    }
  }

  async function walk(bucket: string, dir: string, prefix: string): Promise<void> {
    let entries: Awaited<ReturnType<typeof ctx.ops.readdir>>;
    try {
      entries = await ctx.ops.readdir(dir);
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return;
      throw e;
    }
    for (const d of entries) {
      const path = `${dir}/${d.name}`;
      // Of a bucket's .s3dir only the alternate area holds objects (files opened verified).
      if (prefix === "" && d.name === RESERVED) {
        const area = await ctx.ops.lstat(`${path}/keys`).catch(() => undefined);
        if (d.isDirectory() && area?.isDirectory()) await walk(bucket, `${path}/keys`, ALT_PREFIX);
        continue;
      }
      if (d.isDirectory()) await walk(bucket, path, `${prefix}${d.name}/`);
      else if (d.isFile()) await visitFile(bucket, `${prefix}${d.name}`, path);
    }
  }

  /** Multipart uploads in progress keep their data key in upload.json: rewrapped the same way. */
  async function visitUploads(bucket: string): Promise<void> {
    const uploads = new Uploads(ctx);
    const names = await ctx.ops.readdir(uploads.paths.uploads(bucket)).catch(() => []);
    for (const d of names) {
      if (!isValidUploadId(d.name)) continue;
      const info = await uploads.read(bucket, d.name).catch(() => undefined);
      const e = info?.encryption;
      if (e?.m !== "S3") continue;
      if (e.k === key.id) {
        result.current_already++;
        continue;
      }
      const old = e.k ? byId.get(e.k) : undefined;
      const wrapped = old ? await rewrap(old, e.w) : undefined;
      const done =
        wrapped !== undefined &&
        (await uploads.rewrite(bucket, d.name, (file) =>
          file.sse?.w === e.w ? { ...file, sse: { ...file.sse, k: key.id, w: wrapped! } } : undefined,
        ));
      if (done) result.rewrapped++;
      else {
        // Gone meanwhile (completed or aborted: its object is visited below) or not rewrappable.
        if (e.k) referenced.add(e.k);
        if (!old) result.failed.push(`${bucket} upload ${d.name}`);
      }
    }
  }

  for (const bucket of buckets) {
    await visitUploads(bucket);
    await walk(bucket, ctx.layout.bucket(bucket), "");
  }

  // KMS keys' material is wrapped by the master key too (their objects' data keys are not).
  const master = { keys: async () => ({ current: key }), key: async (id: string) => byId.get(id) };
  const kms = await rewrapKmsKeys(root, master, key);
  result.rewrapped_kms_versions = kms.rewrapped;
  result.failed.push(...kms.failed);
  for (const id of kms.referenced) referenced.add(id);

  // Re-read: another rotation may have run meanwhile; never drop what it added.
  const after = await loadSseKeys(root);
  const keep = after.keys.filter((k) => {
    if (k.id === key.id || referenced.has(k.id) || !byId.has(k.id)) return true;
    const retired = k.retired ? Date.parse(k.retired) : now();
    return now() - retired < options.graceMs;
  });
  result.dropped = after.keys.filter((k) => !keep.includes(k)).map((k) => k.id);
  result.kept = keep.filter((k) => k.id !== key.id).map((k) => k.id);
  if (result.dropped.length > 0) await writeSseKeys(root, keep);
  return result;
}

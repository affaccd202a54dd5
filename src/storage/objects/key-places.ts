/**
 * Where each S3 key lives on disk (its "disk key", a path relative to the bucket): its own
 * plain path when the file tree can hold it, else its derived name in the alternate area
 * (../layout/alt-keys.ts). The store's key-taking operations are wrapped here, so every layer
 * below works on disk keys and never sees `a//b` or a 300-byte segment.
 *
 * - Keys with no plain path (empty or over-long segments, `a/` with data, `.s3dir/…`) always
 *   live in the alternate area.
 * - A plain key lives at its path unless the tree refuses it when it is written (a file `a` in
 *   the way of `a/b`, objects below `a` in the way of `a`): then, and while its alternate copy
 *   exists, it is written to the alternate area. Removing what was in the way later does not
 *   move it back.
 * - Reads look at the plain path first and then in the alternate area.
 */
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { isStorageError } from "../errors.ts";
import { ALT_PREFIX, altDiskKey, keyOfAltDiskKey } from "../layout/alt-keys.ts";
import { checkKeyPlace } from "../layout/key-conflicts.ts";
import { checkS3Key, isDirectoryKey, isPlainKey } from "../layout/keys.ts";
import type { MultipartStore, ObjectStore } from "../object-store.ts";
import type { KeyFallback } from "../types.ts";
import { historyDir } from "../versions/history.ts";

/** The S3 key of a disk key (a plain key is its own disk key). */
export function keyOfDiskKey(diskKey: string): string {
  return keyOfAltDiskKey(diskKey) ?? diskKey;
}

/**
 * How long this host trusts what it last saw of a bucket's alternate area (there or not).
 * Another host or a POSIX user may create the area meanwhile; a plain key written here in that
 * window while its alternate copy was just made elsewhere leaves both files (reads see the
 * newer, plain one). That takes two writers of one key within the window on different hosts,
 * the same kind of race as two hosts checking the area at the same moment, and the same second
 * other hosts' changes take to be seen through a network filesystem's caches. This host's own
 * writes to the area update the entry at once.
 */
const AREA_TRUST_MS = 1000;
/** The alternate area's folder, relative to the bucket. */
const AREA = ALT_PREFIX.slice(0, -1);
/** Buckets remembered at most (all forgotten at once beyond it). */
const MAX_AREAS = 10_000;

export class KeyPlaces {
  /** Bucket path → whether its alternate area existed, and when that was seen (performance.now()). */
  private readonly areas = new Map<string, { present: boolean; at: number }>();

  constructor(private readonly ctx: StoreContext) {}

  /** Whether the bucket may hold alternate keys: false spares every plain write an lstat there. */
  private async areaPresent(bucket: string): Promise<boolean> {
    const path = `${this.ctx.layout.bucket(bucket)}/${AREA}`;
    const now = performance.now();
    const seen = this.areas.get(path);
    if (seen && now - seen.at < AREA_TRUST_MS) return seen.present;
    const present = await this.ctx.ops.lstatIfAny(path).then(
      (st) => st !== undefined,
      (e) => errCode(e) !== "ENOTDIR",
    );
    if (this.areas.size >= MAX_AREAS) this.areas.clear();
    this.areas.set(path, { present, at: now });
    return present;
  }

  /** A write is going to the alternate area: from now on every write of the bucket looks there. */
  private areaUsed(bucket: string, diskKey: string): string {
    this.areas.set(`${this.ctx.layout.bucket(bucket)}/${AREA}`, { present: true, at: performance.now() });
    return diskKey;
  }

  private async exists(bucket: string, diskKey: string): Promise<boolean> {
    const st = await this.ctx.ops.lstatIfAny(this.ctx.layout.object(bucket, diskKey)).catch(() => undefined);
    return !!st && (isDirectoryKey(diskKey) ? st.isDirectory() : st.isFile());
  }

  /** The disk key a write of key goes to. dataBytes: the body's size when known. */
  async forWrite(bucket: string, key: string, dataBytes?: number): Promise<string> {
    checkS3Key(key);
    const dirWithData = isDirectoryKey(key) && (dataBytes ?? 0) > 0;
    if (dirWithData || !isPlainKey(key)) return this.areaUsed(bucket, altDiskKey(key));
    // A directory key may get its data only as it streams (Putter sends it to the area then,
    // unseen here), so its alternate copy is always looked for. The alternate name (a hash)
    // is derived only when it is looked for or used.
    const lookInArea = isDirectoryKey(key) || (await this.areaPresent(bucket));
    if (lookInArea) {
      const alt = altDiskKey(key);
      if (await this.exists(bucket, alt)) return this.areaUsed(bucket, alt);
    }
    try {
      await checkKeyPlace(this.ctx, bucket, key);
      return key;
    } catch (e) {
      if (isStorageError(e) && (e.code === "ParentIsObject" || e.code === "KeyIsPrefix"))
        return this.areaUsed(bucket, altDiskKey(key));
      throw e;
    }
  }

  /**
   * The disk key a PutObject of key goes to, and (deferCheck) what to do if the tree refuses
   * it: a plain file key in a bucket without an alternate area is published at its own path
   * unchecked, sparing a new key's lstat; the publish moves it to the area only when the tree
   * says no. deferCheck only where nothing is decided at the key's place before the publish
   * (no conditions, lock or POSIX permission check).
   */
  async forPut(
    bucket: string,
    key: string,
    dataBytes: number | undefined,
    deferCheck: boolean,
  ): Promise<{ key: string; fallback?: KeyFallback }> {
    checkS3Key(key);
    if (!deferCheck || isDirectoryKey(key) || !isPlainKey(key) || (await this.areaPresent(bucket)))
      return { key: await this.forWrite(bucket, key, dataBytes) };
    return { key, fallback: { diskKey: () => this.areaUsed(bucket, altDiskKey(key)) } };
  }

  /** The disk keys a read of key tries, in order. */
  forRead(key: string): string[] {
    try {
      checkS3Key(key);
    } catch {
      return [key]; // refused below as it always was
    }
    if (!isPlainKey(key)) return [altDiskKey(key)];
    // A directory key with data is in the area; an empty one (rarely read) in the tree.
    return isDirectoryKey(key) ? [altDiskKey(key), key] : [key, altDiskKey(key)];
  }

  /** The one disk key an operation on an existing key (delete, tagging, lock) works on. */
  async forExisting(bucket: string, key: string): Promise<string> {
    const [first, second] = this.forRead(key);
    if (second === undefined) return first as string;
    if (await this.exists(bucket, first as string)) return first as string;
    if (await this.exists(bucket, second)) return second;
    // No current file at either place: the one with a history (a deleted key's markers).
    const alt = altDiskKey(key);
    if (!isDirectoryKey(key) && (await this.hasHistory(bucket, alt))) return alt;
    return isPlainKey(key) ? key : (first as string);
  }

  private async hasHistory(bucket: string, diskKey: string): Promise<boolean> {
    const st = await this.ctx.ops.lstat(historyDir(this.ctx, bucket, diskKey)).catch(() => undefined);
    return !!st?.isDirectory();
  }

  /** Runs op on each disk key of key in turn while it answers absent (NoSuchKey/NoSuchUpload). */
  async firstFound<T>(key: string, op: (diskKey: string) => Promise<T>): Promise<T> {
    // A plain file key is read at its own path first: its alternate name (a hash) is derived
    // only when that path answers absent.
    let tries = this.plainFileKey(key) ? undefined : this.forRead(key);
    let noticed: unknown;
    for (let i = 0; ; i++) {
      try {
        return await op(tries ? (tries[i] as string) : key);
      } catch (e) {
        const absent = isStorageError(e) && (e.code === "NoSuchKey" || e.code === "NoSuchUpload");
        if (!absent) throw e;
        // A delete marker or a missing version says more than a plain "absent" from elsewhere.
        if (noticed === undefined && e.version) noticed = e;
        tries ??= this.forRead(key);
        if (i === tries.length - 1) throw noticed ?? e;
      }
    }
  }

  /** True when forRead(key) is [key, its alternate name]. */
  private plainFileKey(key: string): boolean {
    if (isDirectoryKey(key) || !isPlainKey(key)) return false;
    try {
      checkS3Key(key);
      return true;
    } catch {
      return false;
    }
  }
}

/** Wraps store's key-taking operations so that each works on the key's disk key. */
export function withKeyPlaces<S extends ObjectStore>(store: S, places: KeyPlaces): S {
  const back = <T extends { key: string }>(o: T): T => ({ ...o, key: keyOfDiskKey(o.key) });
  const mp = store.multipart;
  /**
   * The disk key an upload was made for, found before the request's work starts: a part's body
   * can be read only once, and a Complete's own NoSuchKey (If-Match) must not send it elsewhere.
   */
  const uploadKey = async (bucket: string, key: string, uploadId: string): Promise<string> => {
    const tries = places.forRead(key);
    if (tries.length === 1) return tries[0] as string;
    return places.firstFound(key, async (k) => {
      await mp.describe(bucket, k, uploadId);
      return k;
    });
  };
  return {
    ...store,
    putObject: async (input) => {
      const { conditions: c } = input;
      const deferCheck = !c?.ifMatch && !c?.ifNoneMatch && !input.lock && !input.access;
      const place = await places.forPut(input.bucket, input.key, input.verify.expectedSize, deferCheck);
      return store.putObject(place.fallback ? { ...input, ...place } : { ...input, key: place.key });
    },
    openObject: (bucket, key, keys, versionId, access) =>
      places.firstFound(key, async (k) => {
        const o = await store.openObject(bucket, k, keys, versionId, access);
        o.info.key = key;
        return o;
      }),
    headObject: (bucket, key, keys, versionId, access) =>
      places.firstFound(key, async (k) => ({
        ...(await store.headObject(bucket, k, keys, versionId, access)),
        key,
      })),
    deleteObject: async (bucket, key, versionId, opts) =>
      store.deleteObject(bucket, await places.forExisting(bucket, key), versionId, opts),
    copyObject: async (input) => {
      const sourceKey = await places.forExisting(input.sourceBucket, input.sourceKey);
      let size: number | undefined;
      if (isDirectoryKey(input.key)) {
        const src = await store.headObject(
          input.sourceBucket,
          sourceKey,
          input.sourceKeys,
          input.sourceVersionId,
        );
        size = src.size;
      }
      const key = await places.forWrite(input.bucket, input.key, size);
      return store.copyObject({ ...input, key, sourceKey });
    },
    getObjectLock: async (bucket, key, versionId) =>
      store.getObjectLock(bucket, await places.forExisting(bucket, key), versionId),
    putObjectRetention: async (input) =>
      store.putObjectRetention({ ...input, key: await places.forExisting(input.bucket, input.key) }),
    putObjectLegalHold: async (input) =>
      store.putObjectLegalHold({ ...input, key: await places.forExisting(input.bucket, input.key) }),
    getObjectTagging: async (bucket, key, versionId) =>
      store.getObjectTagging(bucket, await places.forExisting(bucket, key), versionId),
    putObjectTagging: async (bucket, key, versionId, tags) =>
      store.putObjectTagging(bucket, await places.forExisting(bucket, key), versionId, tags),
    multipart: Object.assign(Object.create(mp) as S["multipart"], {
      create: async (input) => {
        // An upload to a directory key is there for its data: the area holds it.
        const key = await places.forWrite(input.bucket, input.key, isDirectoryKey(input.key) ? 1 : undefined);
        return back(await mp.create({ ...input, key }));
      },
      uploadPart: async (input) =>
        mp.uploadPart({ ...input, key: await uploadKey(input.bucket, input.key, input.uploadId) }),
      uploadPartCopy: async (input) => {
        const key = await uploadKey(input.bucket, input.key, input.uploadId);
        const sourceKey = await places.forExisting(input.sourceBucket, input.sourceKey);
        return mp.uploadPartCopy({ ...input, key, sourceKey });
      },
      complete: async (input) => {
        const key = await uploadKey(input.bucket, input.key, input.uploadId).catch((e) => {
          if (isStorageError(e) && e.code === "NoSuchUpload") return undefined;
          throw e;
        });
        if (key !== undefined) return mp.complete({ ...input, key });
        // Completed already: the store answers a repeated Complete at the disk key it completed.
        return places.firstFound(input.key, (k) => mp.complete({ ...input, key: k }));
      },
      // Uploads to directory keys are made in the area (create above).
      reserveVersionId: (bucket, key) =>
        mp.reserveVersionId(bucket, isDirectoryKey(key) ? altDiskKey(key) : key),
      describe: async (bucket, key, uploadId) =>
        back(await mp.describe(bucket, await uploadKey(bucket, key, uploadId), uploadId)),
      abort: async (bucket, key, uploadId) =>
        mp.abort(bucket, await uploadKey(bucket, key, uploadId), uploadId),
      listParts: async (input) => ({
        ...(await mp.listParts({ ...input, key: await uploadKey(input.bucket, input.key, input.uploadId) })),
        key: input.key,
      }),
      listUploads: async (input) => {
        const r = await mp.listUploads(input);
        return { ...r, uploads: r.uploads.map(back) };
      },
    } satisfies MultipartStore),
  };
}

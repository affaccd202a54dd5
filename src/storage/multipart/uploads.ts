/**
 * Multipart uploads as directories: creating one (built in the staging area, then renamed into
 * `uploads/` so it appears whole), reading its upload.json, claiming it by renaming its
 * directory away (the one atomic step Complete, Abort and the expiry sweep all use, so exactly
 * one of them wins), and removing a claimed directory. A Complete cut off by the death of its
 * process is rolled back here (recoverClaims): lazily, by any request that misses the upload,
 * and by the periodic sweep (../sweeps/dead-writers.ts).
 */
import { errCode, O_RDONLY } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { checkKeyPlace } from "../layout/key-conflicts.ts";
import { checkKey, isValidBucketName } from "../layout/keys.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { randomName } from "../layout/temp-names.ts";
import { checkLockRequest } from "../lock/rules.ts";
import type { LockRequest } from "../lock/types.ts";
import { checkUserMetadata } from "../metadata/user-metadata.ts";
import type { SseDataKeyRecord } from "../sse/records.ts";
import { newWrappedDataKey } from "../sse/sealing.ts";
import { removeDeadTemps } from "../sweeps/dead-temps.ts";
import { WriterLiveness } from "../sweeps/writer-lease.ts";
import type { ObjectAttributes } from "../types.ts";
import {
  isValidUploadId,
  newUploadId,
  parseClaim,
  partNumberOf,
  partRecordKey,
  UPLOAD_FILE,
  UploadPaths,
  uploadIdTime,
} from "./paths.ts";
import type { ChecksumType, CreateUploadInput, UploadChecksum, UploadInfo } from "./types.ts";

/** upload.json */
export interface UploadFile {
  v: 1;
  key: string;
  attributes: ObjectAttributes;
  checksum?: UploadChecksum;
  /** The object's data key, wrapped (encrypted uploads). */
  sse?: SseDataKeyRecord;
  /** Object lock asked at creation: mode (G/C) and retain-until (ms), legal hold. */
  lock?: { m?: "G" | "C"; u?: number; h?: 1 };
}

const checksumTypes: ChecksumType[] = ["COMPOSITE", "FULL_OBJECT"];

export class Uploads {
  readonly paths: UploadPaths;

  constructor(private readonly ctx: StoreContext) {
    this.paths = new UploadPaths(ctx.layout);
  }

  async create(input: CreateUploadInput): Promise<UploadInfo> {
    const { ops } = this.ctx;
    await this.checkBucket(input.bucket);
    checkKey(input.key);
    checkUserMetadata(input.attributes.userMetadata);
    await checkKeyPlace(this.ctx, input.bucket, input.key);
    if (input.lock) await checkLockRequest(this.ctx, input.bucket, input.key, input.lock);
    const attributes = { ...input.attributes };
    delete attributes.checksum;
    const file: UploadFile = { v: 1, key: input.key, attributes };
    if (input.checksum) file.checksum = input.checksum;
    if (input.lock) file.lock = storedLock(input.lock);
    if (input.encryption) {
      file.sse = (await newWrappedDataKey(this.ctx, input.encryption)).record;
    }
    const id = newUploadId();
    const staging = `${this.paths.staging(input.bucket)}/${randomName("upload")}`;
    await mkdirs(ops, staging);
    try {
      const path = `${staging}/${UPLOAD_FILE}`;
      await ops.writeNewFile(path, new TextEncoder().encode(JSON.stringify(file)));
      if (this.ctx.fsync) {
        const fd = await ops.open(path, O_RDONLY);
        await ops.fsync(fd).finally(() => ops.close(fd));
      }
      const target = this.paths.upload(input.bucket, id);
      await mkdirs(ops, this.paths.uploads(input.bucket));
      await ops.rename(staging, target);
    } catch (e) {
      await this.removeDir(input.bucket, staging, id);
      throw e;
    }
    const info: UploadInfo = {
      key: input.key,
      uploadId: id,
      initiated: new Date(uploadIdTime(id)),
      checksum: input.checksum,
      attributes,
    };
    if (file.sse) info.encryption = file.sse;
    if (input.lock) info.lock = input.lock;
    return info;
  }

  /**
   * Replaces upload.json (temp + rename in the upload directory) with `change` applied: used to
   * rewrap the data key when the SSE master key rotates. False when the upload is gone or claimed.
   */
  async rewrite(bucket: string, id: string, change: (file: UploadFile) => UploadFile | undefined) {
    const { ops } = this.ctx;
    const dir = this.paths.upload(bucket, id);
    let raw: Buffer;
    try {
      raw = await ops.readFile(`${dir}/${UPLOAD_FILE}`);
    } catch {
      return false;
    }
    const next = change(JSON.parse(raw.toString("utf8")) as UploadFile);
    if (!next) return false;
    const temp = `${dir}/${randomName("upload")}`;
    try {
      await ops.writeNewFile(temp, new TextEncoder().encode(JSON.stringify(next)));
      await ops.rename(temp, `${dir}/${UPLOAD_FILE}`);
      return true;
    } catch {
      await ops.unlink(temp).catch(() => {});
      return false;
    }
  }

  /**
   * The upload's description from the directory at dir (uploads/<id> unless given). An upload
   * missing from uploads/ because a dead process was completing it is rolled back and read.
   */
  async read(bucket: string, id: string, key?: string, dir?: string): Promise<UploadInfo> {
    if (!isValidBucketName(bucket)) throw new StorageError("NoSuchBucket");
    if (!isValidUploadId(id)) throw new StorageError("NoSuchUpload");
    let raw: Buffer;
    for (let attempt = 0; ; attempt++) {
      try {
        raw = await this.ctx.ops.readFile(`${dir ?? this.paths.upload(bucket, id)}/${UPLOAD_FILE}`);
        break;
      } catch (e) {
        const code = errCode(e);
        if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "ESTALE") throw e;
        await this.checkBucket(bucket);
        if (dir !== undefined || attempt > 0 || (await this.recoverClaims(bucket, id)) === 0) {
          throw new StorageError("NoSuchUpload");
        }
      }
    }
    const info = parseUploadFile(raw, id);
    if (!info || (key !== undefined && info.key !== key)) throw new StorageError("NoSuchUpload");
    return info;
  }

  /**
   * Moves uploads/<id> to `to` (atomic; on a shared filesystem exactly one host's rename wins).
   * Throws NoSuchUpload when it is not there (any more).
   */
  async claim(bucket: string, id: string, to: string): Promise<void> {
    const { ops } = this.ctx;
    await mkdirs(ops, to.slice(0, to.lastIndexOf("/")));
    try {
      await ops.rename(this.paths.upload(bucket, id), to);
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTEMPTY" || code === "EEXIST" || code === "ESTALE") {
        throw new StorageError("NoSuchUpload");
      }
      throw e;
    }
  }

  /**
   * Rolls back the Completes of dead processes (of upload `only`, or all) in the bucket: each
   * claim goes back to uploads/ and the claimant's temp files (its partial assembly) are
   * removed. Claims of live processes are never touched; of two hosts rolling back one claim,
   * one rename wins. Returns how many claims were rolled back.
   */
  async recoverClaims(bucket: string, only?: string, liveness?: WriterLiveness): Promise<number> {
    const { ops, layout } = this.ctx;
    const dir = this.paths.completingDir(bucket);
    const names = await ops.readdir(dir).catch(() => []);
    const lives = liveness ?? new WriterLiveness(ops, layout);
    let recovered = 0;
    for (const d of names) {
      const claim = parseClaim(d.name);
      if (!claim || (only !== undefined && claim.id !== only) || (await lives.alive(claim.writer))) continue;
      try {
        await ops.rename(`${dir}/${d.name}`, this.paths.upload(bucket, claim.id));
        recovered++;
      } catch {
        // Another host rolled it back first.
      }
    }
    if (recovered > 0) await removeDeadTemps(this.ctx, bucket, lives);
    return recovered;
  }

  /** Puts a claimed upload back (after a Complete that failed validation). */
  async unclaim(bucket: string, id: string, from: string): Promise<void> {
    await this.ctx.ops.rename(from, this.paths.upload(bucket, id));
  }

  /** Claims the upload into the trash and removes it. */
  async discard(bucket: string, id: string): Promise<void> {
    const trash = `${this.paths.trash(bucket)}/${id}-${randomName("x")}`;
    await this.claim(bucket, id, trash);
    // The parts' bytes are free at once (not at the next recount) in a bucket with a quota.
    const gen = await this.ctx.quota.freeing(bucket);
    await this.ctx.quota.freed(bucket, await this.removeDir(bucket, trash, id), gen);
  }

  /**
   * Removes an upload directory that is no longer reachable under uploads/ (best-effort: what
   * stays behind is swept later). Part records kept in the sidecar store are forgotten too.
   * Returns the bytes of the files it removed.
   */
  async removeDir(bucket: string, dir: string, id: string): Promise<number> {
    const { ops, meta } = this.ctx;
    const names = await ops.readdir(dir).catch(() => []);
    const bucketPath = this.ctx.layout.bucket(bucket);
    let bytes = 0;
    for (const d of names) {
      const path = `${dir}/${d.name}`;
      const n = partNumberOf(d.name);
      const st = await ops.lstat(path).catch(() => undefined);
      if (st && n !== undefined && meta.kind === "file") {
        await meta.forget(st.ino, { bucketPath, key: partRecordKey(id, n) }).catch(() => {});
      }
      const removed = await ops.unlink(path).then(
        () => true,
        () => false,
      );
      if (removed && st?.isFile()) bytes += Number(st.size);
    }
    await ops.rmdir(dir).catch(() => {});
    return bytes;
  }

  /** Every upload of the bucket (unsorted); directories without a readable upload.json are skipped. */
  async all(bucket: string): Promise<UploadInfo[]> {
    const { ops } = this.ctx;
    await this.checkBucket(bucket);
    await this.recoverClaims(bucket);
    const names = await ops.readdir(this.paths.uploads(bucket)).catch((e) => {
      if (errCode(e) === "ENOENT") return [];
      throw e;
    });
    const out: UploadInfo[] = [];
    for (const d of names) {
      if (!isValidUploadId(d.name)) continue;
      const info = await this.read(bucket, d.name).catch(() => undefined);
      if (info) out.push(info);
    }
    return out;
  }

  async checkBucket(bucket: string): Promise<void> {
    const st = isValidBucketName(bucket)
      ? await this.ctx.ops.lstat(this.ctx.layout.bucket(bucket)).catch(() => undefined)
      : undefined;
    if (!st?.isDirectory()) throw new StorageError("NoSuchBucket");
  }
}

function parseUploadFile(raw: Buffer, id: string): UploadInfo | undefined {
  try {
    const file = JSON.parse(raw.toString("utf8")) as UploadFile;
    if (file?.v !== 1 || typeof file.key !== "string" || typeof file.attributes !== "object")
      return undefined;
    const info: UploadInfo = {
      key: file.key,
      uploadId: id,
      initiated: new Date(uploadIdTime(id)),
      attributes: { ...file.attributes, userMetadata: { ...(file.attributes.userMetadata ?? {}) } },
    };
    if (file.checksum && checksumTypes.includes(file.checksum.type)) info.checksum = file.checksum;
    if (file.sse) info.encryption = file.sse;
    const lock = file.lock && requestedLock(file.lock);
    if (lock) info.lock = lock;
    return info;
  } catch {
    return undefined;
  }
}

function storedLock(lock: LockRequest): NonNullable<UploadFile["lock"]> {
  const out: NonNullable<UploadFile["lock"]> = {};
  if (lock.retention) {
    out.m = lock.retention.mode === "COMPLIANCE" ? "C" : "G";
    out.u = lock.retention.until.getTime();
  }
  if (lock.legalHold) out.h = 1;
  return out;
}

function requestedLock(stored: NonNullable<UploadFile["lock"]>): LockRequest | undefined {
  const lock: LockRequest = {};
  if (stored.m && typeof stored.u === "number") {
    lock.retention = { mode: stored.m === "C" ? "COMPLIANCE" : "GOVERNANCE", until: new Date(stored.u) };
  }
  if (stored.h) lock.legalHold = true;
  return lock.retention || lock.legalHold ? lock : undefined;
}

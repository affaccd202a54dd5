/**
 * The short way of publishing a small body: in an unversioned bucket, with no condition, lock
 * or encryption, the key's directory is opened and verified here (as Publisher.place does) and
 * the whole file sequence — create the temp file, write, chown, fstat, record, fsync, close,
 * rename into that directory — runs as one job on a worker thread (../../runtime/new-file-job.ts):
 * one hand-off instead of two thread-pool trips and the calls between them on the event loop.
 *
 * Whenever the short way does not apply or fails (no worker, no staging directory yet, a record
 * too large for an attribute, the tree refusing the key's path, a full disk), it answers
 * undefined having published and left nothing, and the caller publishes the usual way, which
 * has every fallback and gives every error its meaning.
 */
import { newFileAsync } from "../../runtime/fs-threads.ts";
import type { NewFileJob } from "../../runtime/new-file-job.ts";
import type { StoreContext } from "../context.ts";
import { viaFd } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import { makeRecord } from "../metadata/record.ts";
import type { FileOwner, ObjectAttributes, PutObjectResult } from "../types.ts";
import type { DirectorySyncs } from "./group-sync.ts";
import type { VerifiedWhole } from "./temp-writer.ts";

const NO_IDENTITY = { size: 0, mtimeNs: "", ino: "" };

export async function publishNew(
  ctx: StoreContext,
  directorySyncs: DirectorySyncs,
  bucket: string,
  key: string,
  body: VerifiedWhole,
  attributes: ObjectAttributes,
  owner: FileOwner | undefined,
): Promise<PutObjectResult | undefined> {
  const { ops, layout, parents, meta } = ctx;
  if ((await ctx.versioning.get(bucket)) !== "Unversioned") return undefined;
  const attribute = meta.attributeOf(makeRecord(NO_IDENTITY, body.md5Hex, attributes));
  if (!attribute) return undefined;
  const dfd = await parents.open(bucket, key, owner).catch(() => undefined);
  if (dfd === undefined) return undefined;
  try {
    const slash = key.lastIndexOf("/");
    const job: NewFileJob = {
      tempPath: `${layout.reserved(bucket, "tmp")}/${randomName("put")}`,
      target: viaFd(dfd, key.slice(slash + 1)),
      data: body.bytes,
      mode: 0o666,
      attribute,
      fsync: ctx.fsync,
    };
    if (owner) job.owner = { uid: owner.uid, gid: owner.gid };
    const identity = await newFileAsync(job)?.catch(() => undefined);
    if (!identity) return undefined;
    if (ctx.fsync) {
      const bucketPath = layout.bucket(bucket);
      await directorySyncs.sync(slash < 0 ? bucketPath : `${bucketPath}/${key.slice(0, slash)}`, dfd);
    }
    const result: PutObjectResult = {
      etag: body.md5Hex,
      size: identity.size,
      lastModified: new Date(Number(BigInt(identity.mtimeNs) / 1_000_000n)),
    };
    if (attributes.checksum) result.checksum = attributes.checksum;
    return result;
  } finally {
    await ops.close(dfd);
  }
}

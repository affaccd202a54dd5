/**
 * One visit of the worker to one bucket, under the bucket's lease (lease.ts): it resumes the
 * pass where the state file says (pass-state.ts) or starts one when the last ended an interval
 * ago, and works page by page through the store's own listings (never the whole bucket in
 * memory) until the pass ends, the visit's time slice is used up or the worker stops. The
 * cursor is saved after every page, so a host that dies loses at most one page of progress,
 * and redoing a page is harmless: what was expired is no longer listed as expirable.
 *
 * Every deletion goes through the store's delete paths (versions, markers, object lock, parent
 * directories, records); a version under retention or legal hold is refused there and kept.
 */
import type { StoreContext } from "../context.ts";
import { isStorageError } from "../errors.ts";
import type { ObjectStore } from "../object-store.ts";
import type { ListedVersion } from "../versions/listing.ts";
import type { VersioningState } from "../versions/state.ts";
import type { LifecycleEvent, LifecycleOperation, PassCounts, PassReport } from "./events.ts";
import { noCounts } from "./events.ts";
import { type KeyAction, type KeyVersion, keyActions } from "./key-actions.ts";
import { tryBucketLease } from "./lease.ts";
import type { Pacer } from "./pacer.ts";
import { type PassCursor, readPassState, writePassState } from "./pass-state.ts";
import { afterDays, needsTags } from "./rules.ts";
import type { LifecycleRule } from "./types.ts";

export interface PassDeps {
  ctx: StoreContext;
  store: ObjectStore;
  rulesOf: (bucket: string) => Promise<LifecycleRule[]>;
  pacer: Pacer;
  /** Minimum time from the end of one pass over a bucket to the start of the next. */
  intervalMs: number;
  /** Versions (or uploads) listed per step. */
  pageSize: number;
  /** A visit gives the bucket up after this long (the pass goes on at the next visit). */
  sliceMs: number;
  onEvent: (event: LifecycleEvent) => void;
  onPass: (report: PassReport) => void;
}

/** Works the bucket if its lease is free and a pass is due or under way. */
export async function visitBucket(d: PassDeps, bucket: string): Promise<void> {
  if (!(await enabledRules(d, bucket)).length) return;
  const release = await tryBucketLease(d.ctx, bucket);
  if (!release) return;
  try {
    const state = await readPassState(d.ctx, bucket);
    let pass = state.pass as PassCursor | undefined;
    if (!pass) {
      if (state.lastFinished && Date.now() - state.lastFinished < d.intervalMs) return;
      pass = { started: Date.now(), phase: "versions", key: "", uploadId: "", counts: noCounts() };
    }
    const counts = { ...noCounts(), ...pass.counts };
    const sliceEnd = Date.now() + d.sliceMs;
    for (;;) {
      const rules = await enabledRules(d, bucket);
      const done = rules.length === 0 || (await step(d, bucket, rules, pass, counts));
      if (done) {
        await writePassState(d.ctx, bucket, { lastFinished: Date.now() });
        const durationMs = Date.now() - pass.started;
        d.onPass({ bucket, startedAt: new Date(pass.started).toISOString(), durationMs, ...counts });
        return;
      }
      await writePassState(d.ctx, bucket, { lastFinished: state.lastFinished, pass: { ...pass, counts } });
      if (d.pacer.isStopped || Date.now() >= sliceEnd) return;
      await d.pacer.betweenPages();
      if (d.pacer.isStopped) return;
    }
  } finally {
    await release();
  }
}

async function enabledRules(d: PassDeps, bucket: string): Promise<LifecycleRule[]> {
  return (await d.rulesOf(bucket)).filter((r) => r.enabled);
}

/** One page; moves the cursor on. True when the pass is over. */
async function step(
  d: PassDeps,
  bucket: string,
  rules: LifecycleRule[],
  pass: PassCursor,
  counts: PassCounts,
): Promise<boolean> {
  if (pass.phase === "versions") {
    const wanted = rules.some((r) => r.expiration || r.noncurrentVersionExpiration);
    if (!wanted || (await versionsPage(d, bucket, rules, pass, counts))) {
      pass.phase = "uploads";
      pass.key = "";
      pass.uploadId = "";
    }
    return false;
  }
  if (!rules.some((r) => r.abortIncompleteMultipartUpload)) return true;
  return uploadsPage(d, bucket, rules, pass, counts);
}

/** Lists one page of versions and acts on every key in it that is complete. True at the end. */
async function versionsPage(
  d: PassDeps,
  bucket: string,
  rules: LifecycleRule[],
  pass: PassCursor,
  counts: PassCounts,
): Promise<boolean> {
  const list = (keyMarker: string, versionIdMarker: string) =>
    d.store.listObjectVersions({
      bucket,
      prefix: "",
      delimiter: "",
      keyMarker,
      versionIdMarker,
      maxKeys: d.pageSize,
    });
  const page = await list(pass.key, "");
  const groups = groupByKey(page.versions);
  let last = !page.isTruncated;
  if (!last && groups.length > 1) {
    // The page's last key may go on in the next page: it is listed again from its start.
    groups.pop();
  } else if (!last && groups.length === 1) {
    // One key with more versions than a page: its versions are gathered before acting.
    const group = groups[0]!;
    let next = { key: page.nextKeyMarker ?? "", id: page.nextVersionIdMarker ?? "" };
    for (;;) {
      const more = await list(next.key, next.id);
      const own = more.versions.filter((v) => v.key === group.key);
      group.versions.push(...own);
      if (own.length < more.versions.length || !more.isTruncated) {
        last = !more.isTruncated && own.length === more.versions.length;
        break;
      }
      next = { key: more.nextKeyMarker ?? "", id: more.nextVersionIdMarker ?? "" };
    }
  }
  const versioning = await d.store.getBucketVersioning(bucket);
  for (const g of groups) {
    await actOnKey(d, bucket, versioning, rules, g, counts);
    counts.keys++;
    pass.key = g.key;
  }
  return last;
}

function groupByKey(versions: ListedVersion[]): { key: string; versions: ListedVersion[] }[] {
  const groups: { key: string; versions: ListedVersion[] }[] = [];
  for (const v of versions) {
    const g = groups.at(-1);
    if (g?.key === v.key) g.versions.push(v);
    else groups.push({ key: v.key, versions: [v] });
  }
  return groups;
}

async function actOnKey(
  d: PassDeps,
  bucket: string,
  versioning: VersioningState,
  rules: LifecycleRule[],
  g: { key: string; versions: ListedVersion[] },
  counts: PassCounts,
): Promise<void> {
  const withTags = needsTags(rules);
  const versions: KeyVersion[] = [];
  for (const v of g.versions) {
    const kv: KeyVersion = {
      versionId: v.versionId,
      isLatest: v.isLatest,
      deleteMarker: v.deleteMarker,
      lastModified: v.lastModified.getTime(),
      size: v.size,
      etag: v.etag,
    };
    if (withTags && !v.deleteMarker) {
      kv.tags = await d.store
        .getObjectTagging(bucket, g.key, v.versionId)
        .then((t) => t.tags)
        .catch(() => []);
    }
    versions.push(kv);
  }
  for (const action of keyActions(g.key, versions, rules, d.ctx.lifecycle)) {
    await d.pacer.beforeDelete();
    try {
      await apply(d, bucket, g.key, versioning, action, counts);
    } catch (e) {
      if (isStorageError(e) && e.lock?.reason === "ObjectLocked") {
        counts.locked++;
        continue;
      }
      if (isStorageError(e) && (e.code === "NoSuchBucket" || e.code === "NoSuchKey")) continue;
      throw e;
    }
  }
}

async function apply(
  d: PassDeps,
  bucket: string,
  key: string,
  versioning: VersioningState,
  action: KeyAction,
  counts: PassCounts,
): Promise<void> {
  const emit = (operation: LifecycleOperation, versionId: string | undefined) =>
    d.onEvent({
      operation,
      time: new Date(),
      bucket,
      key,
      ...(versionId !== undefined ? { versionId } : {}),
      ruleId: action.ruleId,
    });
  if (action.kind === "expire-current") {
    if (!(await stillCurrent(d, bucket, key, action.version))) return;
    const result = await d.store.deleteObject(bucket, key);
    counts.expired++;
    if (versioning === "Unversioned") emit("s3:LifecycleExpiration:Delete", undefined);
    else emit("s3:LifecycleExpiration:DeleteMarkerCreated", result.versionId);
    return;
  }
  await d.store.deleteObject(bucket, key, action.version.versionId);
  if (action.kind === "remove-marker") counts.markersRemoved++;
  else counts.noncurrentRemoved++;
  emit("s3:LifecycleExpiration:Delete", action.version.versionId);
}

/**
 * Whether the version listed as current still is, just before a delete without version id
 * (which acts on whatever is current): an object rewritten since the listing is not expired.
 */
async function stillCurrent(d: PassDeps, bucket: string, key: string, v: KeyVersion): Promise<boolean> {
  const now = await d.store.listObjectVersions({
    bucket,
    prefix: key,
    delimiter: "",
    keyMarker: "",
    versionIdMarker: "",
    maxKeys: 1,
  });
  const first = now.versions[0];
  return (
    first?.key === key &&
    first.isLatest &&
    !first.deleteMarker &&
    first.versionId === v.versionId &&
    first.etag === v.etag &&
    first.lastModified.getTime() === v.lastModified
  );
}

/** One page of incomplete multipart uploads, aborting those a rule says are stale. True at the end. */
async function uploadsPage(
  d: PassDeps,
  bucket: string,
  rules: LifecycleRule[],
  pass: PassCursor,
  counts: PassCounts,
): Promise<boolean> {
  const page = await d.store.multipart.listUploads({
    bucket,
    prefix: "",
    delimiter: "",
    keyMarker: pass.key,
    uploadIdMarker: pass.uploadId,
    maxUploads: d.pageSize,
  });
  const now = d.ctx.lifecycle.now();
  for (const u of page.uploads) {
    const rule = rules.find((r) => {
      const a = r.abortIncompleteMultipartUpload;
      if (!a || (r.filter.prefix !== undefined && !u.key.startsWith(r.filter.prefix))) return false;
      return afterDays(u.initiated.getTime(), a.daysAfterInitiation, d.ctx.lifecycle) <= now;
    });
    if (!rule) continue;
    await d.pacer.beforeDelete();
    try {
      await d.store.multipart.abort(bucket, u.key, u.uploadId);
    } catch (e) {
      if (isStorageError(e)) continue; // completed or aborted meanwhile
      throw e;
    }
    counts.uploadsAborted++;
    d.onEvent({
      operation: "s3:LifecycleExpiration:AbortIncompleteMultipartUpload",
      time: new Date(),
      bucket,
      key: u.key,
      uploadId: u.uploadId,
      ruleId: rule.id,
    });
  }
  if (!page.isTruncated) return true;
  pass.key = page.nextKeyMarker ?? "";
  pass.uploadId = page.nextUploadIdMarker ?? "";
  return false;
}

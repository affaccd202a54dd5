/**
 * Bucket settings (policy, later tags, CORS, lifecycle…): one small file each in
 * `<bucket>/.s3dir/settings/<name>`, beside the bucket and shared by every host, replaced
 * atomically (temp file + rename) and removed with the bucket.
 */
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { errCode } from "../../runtime/fs-ops.ts";
import type { Layout } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import type { Buckets } from "./buckets.ts";

export type BucketSettingName =
  | "policy"
  | "encryption"
  | "tagging"
  | "cors"
  | "lifecycle"
  | "acl"
  | "ownership"
  | "public-access-block"
  | "quota"
  | "owner"
  | "object-owners";
/**
 * Settings with their own storage API (versioning: versions/state.ts, object lock:
 * lock/config.ts, lifecycle: lifecycle/config.ts), never set as plain text.
 */
export type SettingFile = BucketSettingName | "versioning" | "object-lock" | "lifecycle";

export class BucketSettings {
  constructor(
    private readonly layout: Layout,
    private readonly buckets: Buckets,
  ) {}

  path(bucket: string, name: SettingFile): string {
    return `${this.layout.reserved(bucket, "settings")}/${name}`;
  }

  /** The setting's text, or undefined when it is not set. Throws NoSuchBucket. */
  async get(bucket: string, name: SettingFile): Promise<string | undefined> {
    await this.buckets.head(bucket);
    try {
      return await readFile(this.path(bucket, name), "utf8");
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return undefined;
      throw e;
    }
  }

  async put(bucket: string, name: SettingFile, text: string): Promise<void> {
    await this.buckets.head(bucket);
    const dir = this.layout.reserved(bucket, "settings");
    await mkdir(dir, { recursive: true });
    const temp = `${dir}/.${randomName(name)}`;
    await writeFile(temp, text, { flag: "wx", mode: 0o600 });
    try {
      await rename(temp, this.path(bucket, name));
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
  }

  /** Removing a setting that is not set succeeds. */
  async delete(bucket: string, name: BucketSettingName | "lifecycle"): Promise<void> {
    await this.buckets.head(bucket);
    await unlink(this.path(bucket, name)).catch((e) => {
      if (errCode(e) !== "ENOENT") throw e;
    });
  }
}

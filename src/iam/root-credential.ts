import { randomBytes } from "node:crypto";
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Credential } from "../auth/types.ts";
import { ensureSystemDir } from "./system-dir.ts";

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomKeyId(): string {
  const bytes = randomBytes(16);
  return `S3D${Array.from(bytes, (b) => keyAlphabet[b % 32]).join("")}`.slice(0, 20);
}

function randomSecret(): string {
  return randomBytes(30).toString("base64").replaceAll("+", "A").replaceAll("/", "B");
}

export interface RootCredentialResult {
  credential: Credential;
  /** True when this call generated and stored a new credential (print it once). */
  generated: boolean;
}

function rootCredential(accessKeyId: string, secretAccessKey: string): Credential {
  return { accessKeyId, secretAccessKey, principal: { kind: "root", name: "root", accessKeyId } };
}

/**
 * The root credential: from S3DIR_ROOT_ACCESS_KEY / S3DIR_ROOT_SECRET_KEY, else from the system
 * directory, else generated and stored there (mode 0600). Two hosts starting at once agree:
 * the file is published with link(), which only one of them can win.
 */
export async function loadRootCredential(
  root: string,
  env: Record<string, string | undefined>,
): Promise<RootCredentialResult> {
  const envKey = env.S3DIR_ROOT_ACCESS_KEY;
  const envSecret = env.S3DIR_ROOT_SECRET_KEY;
  if (envKey && envSecret) return { credential: rootCredential(envKey, envSecret), generated: false };
  if (envKey || envSecret)
    throw new Error("Set both S3DIR_ROOT_ACCESS_KEY and S3DIR_ROOT_SECRET_KEY, or neither.");

  const dir = await ensureSystemDir(root);
  const file = join(dir, "root-credential.json");
  const existing = await readStored(file);
  if (existing) return { credential: existing, generated: false };

  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fresh = { accessKeyId: randomKeyId(), secretAccessKey: randomSecret() };
  await writeFile(temp, JSON.stringify(fresh), { mode: 0o600, flag: "wx" });
  try {
    await link(temp, file);
    return { credential: rootCredential(fresh.accessKeyId, fresh.secretAccessKey), generated: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const winner = await readStored(file);
    if (!winner) throw e;
    return { credential: winner, generated: false };
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * The root credential as the server would load it, without creating one: for tools that sign with
 * it. Throws when neither the environment nor the system directory has it.
 */
export async function readRootCredential(
  root: string,
  env: Record<string, string | undefined>,
): Promise<Credential> {
  const envKey = env.S3DIR_ROOT_ACCESS_KEY;
  const envSecret = env.S3DIR_ROOT_SECRET_KEY;
  if (envKey && envSecret) return rootCredential(envKey, envSecret);
  const stored = await readStored(join(root, ".s3dir", "root-credential.json"));
  if (!stored) {
    throw new Error(
      "no root credential in this root: set S3DIR_ROOT_ACCESS_KEY and S3DIR_ROOT_SECRET_KEY as the server has them, or use --access-key",
    );
  }
  return stored;
}

async function readStored(file: string): Promise<Credential | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as {
      accessKeyId?: unknown;
      secretAccessKey?: unknown;
    };
    if (typeof parsed.accessKeyId !== "string" || typeof parsed.secretAccessKey !== "string") {
      throw new Error(`${file} is not a valid root credential file`);
    }
    return rootCredential(parsed.accessKeyId, parsed.secretAccessKey);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

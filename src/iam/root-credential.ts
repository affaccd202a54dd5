import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Credential } from "../auth/types.ts";
import { createOnce, replaceAtomically } from "../runtime/shared-file.ts";
import { decryptSecret, encryptSecret, loadSecretsKey, type SecretsKey } from "./secrets-key.ts";
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
 * The file `<root>/.s3dir/root-credential.json`: `{ accessKeyId, sealedSecret }`, the secret sealed
 * under the secrets key like the IAM users' secrets (secrets-key.ts). Files written by older versions
 * hold `secretAccessKey` in plain text: they are still read, and sealed when a server starts.
 */
const fileName = "root-credential.json";

interface StoredCredential {
  credential: Credential;
  /** The file holds the secret in plain text. */
  plaintext: boolean;
}

/**
 * The root credential: from S3DIR_ROOT_ACCESS_KEY / S3DIR_ROOT_SECRET_KEY, else from the system
 * directory, else generated and stored there (mode 0600, secret sealed). Two hosts starting at once
 * agree: the file is published with createOnce, which only one of them can win.
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
  const file = join(dir, fileName);
  const secretsKey = await loadSecretsKey(root, env);
  const existing = await readStored(file, async () => secretsKey);
  if (existing) {
    if (existing.plaintext) await sealInPlace(file, existing.credential, secretsKey);
    return { credential: existing.credential, generated: false };
  }

  const fresh = rootCredential(randomKeyId(), randomSecret());
  if (await createOnce(file, sealedText(fresh, secretsKey))) return { credential: fresh, generated: true };
  const winner = await readStored(file, async () => secretsKey);
  if (!winner) throw new Error(`${file} vanished`);
  return { credential: winner.credential, generated: false };
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
  const stored = await readStored(join(root, ".s3dir", fileName), () => loadSecretsKey(root, env));
  if (!stored) {
    throw new Error(
      "no root credential in this root: set S3DIR_ROOT_ACCESS_KEY and S3DIR_ROOT_SECRET_KEY as the server has them, or use --access-key",
    );
  }
  return stored.credential;
}

function sealedText(credential: Credential, secretsKey: SecretsKey): string {
  const { accessKeyId, secretAccessKey } = credential;
  return JSON.stringify({
    accessKeyId,
    sealedSecret: encryptSecret(secretsKey, secretAccessKey, accessKeyId),
  });
}

/** Replaces a plain-text file by its sealed form (readers see one or the other). */
async function sealInPlace(file: string, credential: Credential, secretsKey: SecretsKey): Promise<void> {
  await replaceAtomically(file, sealedText(credential, secretsKey));
}

async function readStored(
  file: string,
  secretsKey: () => Promise<SecretsKey>,
): Promise<StoredCredential | undefined> {
  let parsed: { accessKeyId?: unknown; sealedSecret?: unknown; secretAccessKey?: unknown };
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const { accessKeyId, sealedSecret, secretAccessKey } = parsed;
  if (typeof accessKeyId === "string" && typeof sealedSecret === "string") {
    const secret = decryptSecret(await secretsKey(), sealedSecret, accessKeyId);
    return { credential: rootCredential(accessKeyId, secret), plaintext: false };
  }
  if (typeof accessKeyId === "string" && typeof secretAccessKey === "string") {
    return { credential: rootCredential(accessKeyId, secretAccessKey), plaintext: true };
  }
  throw new Error(`${file} is not a valid root credential file`);
}

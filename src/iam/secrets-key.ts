import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createOnce } from "../runtime/shared-file.ts";
import { ensureSystemDir } from "./system-dir.ts";

/** The key that encrypts access-key secrets at rest, with a short id for rotation. */
export interface SecretsKey {
  id: string;
  key: Buffer;
}

function fromBytes(key: Buffer): SecretsKey {
  if (key.length !== 32)
    throw new Error("the secrets key (S3DIR_MASTER_KEY or master.key) must be 32 bytes (base64)");
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 8), key };
}

/**
 * The secrets key, which seals access-key secrets at rest (not the SSE master key ring of
 * storage/sse/keyring.ts): env S3DIR_MASTER_KEY (base64, 32 bytes), else `<root>/.s3dir/master.key`,
 * created with mode 0600 on first use. Racing creators publish with createOnce: one key wins.
 */
export async function loadSecretsKey(
  root: string,
  env: Record<string, string | undefined>,
): Promise<SecretsKey> {
  if (env.S3DIR_MASTER_KEY) return fromBytes(Buffer.from(env.S3DIR_MASTER_KEY, "base64"));
  const file = join(await ensureSystemDir(root), "master.key");
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await createOnce(file, `${randomBytes(32).toString("base64")}\n`);
  const winner = await readKeyFile(file);
  if (!winner) throw new Error(`${file} vanished`);
  return winner;
}

async function readKeyFile(file: string): Promise<SecretsKey | undefined> {
  try {
    return fromBytes(Buffer.from((await readFile(file, "utf8")).trim(), "base64"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** `v1:<keyId>:<iv b64>:<ciphertext+tag b64>`, AES-256-GCM; the access key id is the AAD. */
export function encryptSecret(secretsKey: SecretsKey, secret: string, accessKeyId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretsKey.key, iv);
  cipher.setAAD(Buffer.from(accessKeyId));
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `v1:${secretsKey.id}:${iv.toString("base64")}:${body.toString("base64")}`;
}

export function decryptSecret(secretsKey: SecretsKey, sealed: string, accessKeyId: string): string {
  const [version, keyId, iv, body] = sealed.split(":");
  if (version !== "v1" || !iv || !body) throw new Error(`unknown secret format for ${accessKeyId}`);
  if (keyId !== secretsKey.id)
    throw new Error(`secret of ${accessKeyId} uses secrets key ${keyId}, not ${secretsKey.id}`);
  const data = Buffer.from(body, "base64");
  const decipher = createDecipheriv("aes-256-gcm", secretsKey.key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(accessKeyId));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    "utf8",
  );
}

import { randomBytes } from "node:crypto";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A fresh access key id: `S3D` + 17 base32 characters. */
export function newAccessKeyId(): string {
  return `S3D${Array.from(randomBytes(17), (b) => alphabet[b % 32]).join("")}`;
}

/** A fresh 40-character secret access key. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString("base64").replaceAll("+", "A").replaceAll("/", "B");
}

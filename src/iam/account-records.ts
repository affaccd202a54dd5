import { createHash } from "node:crypto";
import * as v from "valibot";
import { firstAccountId } from "../auth/account.ts";

/** Account (tenant) names: a letter, then up to 63 letters, digits and `._-`. */
export const accountNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z][\w.-]{0,63}$/, "an account name is a letter then up to 63 letters, digits and ._-"),
);

export const accountRecordSchema = v.object({
  name: accountNameSchema,
  /** 12 digits, as an AWS account id. */
  id: v.pipe(v.string(), v.regex(/^\d{12}$/)),
  /** 64 hex digits, as an S3 canonical user id. */
  canonicalId: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  /** The account's root credential: its key id and its secret sealed under the secrets key. */
  rootAccessKeyId: v.pipe(v.string(), v.regex(/^[A-Z0-9]{16,128}$/)),
  encryptedSecret: v.string(),
  created: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type AccountRecord = v.InferOutput<typeof accountRecordSchema>;

/** What S3 shows of an account as an owner (ListBuckets, ACLs, listings). */
export interface AccountOwner {
  accountId: string;
  canonicalId: string;
  displayName: string;
}

/** The name of the first account, whose root is the install's root credential. */
export const firstAccountName = "root";

/** The first account: ids derived as the server always showed them, so upgrades keep them. */
export function firstAccountOwner(): AccountOwner {
  return {
    accountId: firstAccountId,
    canonicalId: createHash("sha256").update("s3dir:root").digest("hex"),
    displayName: firstAccountName,
  };
}

export function ownerOfRecord(record: AccountRecord): AccountOwner {
  return { accountId: record.id, canonicalId: record.canonicalId, displayName: record.name };
}

/**
 * The ACL a PutBucketAcl or PutObjectAcl asks for: its `x-amz-acl` / `x-amz-grant-*` headers or
 * its AccessControlPolicy body, not both.
 */

import type { StoredAcl } from "../../storage/index.ts";
import { type Acl, fromStoredAcl, ownerOnlyAcl } from "../acl/acl.ts";
import { aclXml, parseAclXml } from "../acl/acl-xml.ts";
import { aclFromHeaders } from "../acl/grant-headers.ts";
import { displayNamesOf } from "../acl/owner.ts";
import type { S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";

const maxBodyBytes = 64 * 1024;

export async function aclOfPutRequest(ctx: S3Context, owner: string, bucketOwner: string): Promise<Acl> {
  const fromHeaders = aclFromHeaders(ctx.req.headers, owner, bucketOwner);
  const body = await readXmlBody(ctx, maxBodyBytes, false);
  if (fromHeaders && body) {
    throw new S3Error("UnexpectedContent", "This request does not support content");
  }
  if (fromHeaders) return fromHeaders;
  if (!body) throw new S3Error("MalformedACLError");
  return parseAclXml(body, owner);
}

/** The AccessControlPolicy document of a stored ACL (none stored: the owner alone). */
export async function aclDocument(
  ctx: S3Context,
  stored: StoredAcl | undefined,
  owner: string,
): Promise<string> {
  const acl = stored ? fromStoredAcl(stored) : ownerOnlyAcl(owner);
  const ids = [acl.owner, ...acl.grants.flatMap((g) => (g.grantee.kind === "user" ? [g.grantee.id] : []))];
  return aclXml(acl, await displayNamesOf(ctx, ids));
}

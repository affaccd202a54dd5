/**
 * The ACL a write asks for in its headers: `x-amz-acl` (a canned ACL) or `x-amz-grant-*`
 * (`id="…"`, `uri="…"`, `emailAddress="…"` grantees, quoted or not, comma-separated), never both.
 */
import { S3Error } from "../errors.ts";
import { type Acl, type Grant, type Grantee, groupOfUri, type Permission } from "./acl.ts";
import { cannedAcl, parseCannedAcl } from "./canned.ts";

const grantHeaders: [string, Permission][] = [
  ["x-amz-grant-full-control", "FULL_CONTROL"],
  ["x-amz-grant-read", "READ"],
  ["x-amz-grant-read-acp", "READ_ACP"],
  ["x-amz-grant-write", "WRITE"],
  ["x-amz-grant-write-acp", "WRITE_ACP"],
];

const canonicalId = /^[0-9a-f]{64}$/;

/** A canonical user id as S3 accepts one; InvalidArgument otherwise. */
export function checkCanonicalId(id: string): string {
  if (!canonicalId.test(id)) {
    throw new S3Error("InvalidArgument", "Invalid id", {
      ArgumentName: "CanonicalUser/ID",
      ArgumentValue: id,
    });
  }
  return id;
}

/** A grantee group's URI, checked; InvalidArgument for a group S3 does not define. */
export function checkGroupUri(uri: string): Grantee {
  const group = groupOfUri(uri);
  if (!group) {
    throw new S3Error("InvalidArgument", "Invalid group uri", {
      ArgumentName: "Group/URI",
      ArgumentValue: uri,
    });
  }
  return { kind: "group", group };
}

/** S3 resolves e-mail grantees only to AWS accounts in some regions; s3dir has none to resolve. */
export function refuseEmailGrantee(): never {
  throw new S3Error("UnresolvableGrantByEmailAddress");
}

function granteesOf(header: string, value: string): Grantee[] {
  const grantees: Grantee[] = [];
  // A value in quotes, as S3's documentation writes it, or bare, as the AWS CLI's examples do.
  const item = /\s*(id|uri|emailAddress)\s*=\s*(?:"([^"]*)"|([^",]*?))\s*(,|$)/iy;
  let pos = 0;
  while (pos < value.length) {
    item.lastIndex = pos;
    const m = item.exec(value);
    if (!m) {
      throw new S3Error("InvalidArgument", `Invalid grant header value: ${header}`, { ArgumentName: header });
    }
    const kind = m[1]!.toLowerCase();
    const v = m[2] ?? m[3]!;
    if (kind === "id") grantees.push({ kind: "user", id: checkCanonicalId(v) });
    else if (kind === "uri") grantees.push(checkGroupUri(v));
    else refuseEmailGrantee();
    pos = item.lastIndex;
  }
  return grantees;
}

/** Whether a request's headers ask for an ACL at all (x-amz-acl or some x-amz-grant-*). */
export function asksForAcl(headers: Headers): boolean {
  return headers.has("x-amz-acl") || grantHeaders.some(([name]) => headers.has(name));
}

/**
 * The ACL a request's headers ask for, for a resource `owner` owns in a bucket `bucketOwner` owns;
 * undefined when the request names none. InvalidRequest for a canned ACL and grants at once.
 */
export function aclFromHeaders(headers: Headers, owner: string, bucketOwner: string): Acl | undefined {
  const canned = headers.get("x-amz-acl");
  const present = grantHeaders.filter(([name]) => headers.has(name));
  if (canned !== null && present.length > 0) {
    throw new S3Error("InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed");
  }
  if (canned !== null) return cannedAcl(parseCannedAcl(canned), owner, bucketOwner);
  if (present.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [name, permission] of present) {
    for (const grantee of granteesOf(name, headers.get(name) ?? "")) grants.push({ grantee, permission });
  }
  return { owner, grants };
}

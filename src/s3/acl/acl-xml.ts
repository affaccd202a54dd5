/**
 * The AccessControlPolicy document of Get/PutBucketAcl and Get/PutObjectAcl: Owner (ID,
 * DisplayName) and AccessControlList > Grant (Grantee with xsi:type CanonicalUser, Group or
 * AmazonCustomerByEmail; Permission).
 */
import { S3Error } from "../errors.ts";
import { s3Namespace } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";
import { child, children, text, type XmlElement } from "../xml/parse.ts";
import { type Acl, type Grant, type Grantee, groupUri, type Permission, permissions } from "./acl.ts";
import { checkCanonicalId, checkGroupUri, refuseEmailGrantee } from "./grant-headers.ts";

const xsi = "http://www.w3.org/2001/XMLSchema-instance";

function malformed(): S3Error {
  return new S3Error("MalformedACLError");
}

function granteeXml(grantee: Grantee, displayNameOf: (id: string) => string | undefined): string {
  if (grantee.kind === "group") {
    return `<Grantee xmlns:xsi="${xsi}" xsi:type="Group"><URI>${groupUri(grantee.group)}</URI></Grantee>`;
  }
  const name = displayNameOf(grantee.id);
  const display = name === undefined ? "" : `<DisplayName>${xmlEscape(name)}</DisplayName>`;
  return `<Grantee xmlns:xsi="${xsi}" xsi:type="CanonicalUser"><ID>${grantee.id}</ID>${display}</Grantee>`;
}

export function aclXml(acl: Acl, displayNameOf: (id: string) => string | undefined): string {
  const ownerName = displayNameOf(acl.owner);
  let xml = `<AccessControlPolicy xmlns="${s3Namespace}"><Owner><ID>${acl.owner}</ID>`;
  if (ownerName !== undefined) xml += `<DisplayName>${xmlEscape(ownerName)}</DisplayName>`;
  xml += "</Owner><AccessControlList>";
  for (const g of acl.grants) {
    xml += `<Grant>${granteeXml(g.grantee, displayNameOf)}<Permission>${g.permission}</Permission></Grant>`;
  }
  return `${xml}</AccessControlList></AccessControlPolicy>`;
}

/** The xsi:type of a Grantee, whatever prefix the document bound the XMLSchema-instance namespace to. */
function granteeType(grantee: XmlElement): string | undefined {
  for (const [name, value] of Object.entries(grantee.attributes)) {
    if (name === "type" || name.endsWith(":type")) return value;
  }
  return undefined;
}

function parseGrantee(element: XmlElement): Grantee {
  const type = granteeType(element);
  if (type === "CanonicalUser") {
    const id = text(child(element, "ID")).trim();
    if (!id) throw malformed();
    return { kind: "user", id: checkCanonicalId(id) };
  }
  if (type === "Group") {
    const uri = text(child(element, "URI")).trim();
    if (!uri) throw malformed();
    return checkGroupUri(uri);
  }
  if (type === "AmazonCustomerByEmail") refuseEmailGrantee();
  throw malformed();
}

/**
 * The ACL of an AccessControlPolicy body. The Owner it names must be the resource's owner
 * (AccessDenied otherwise: an ACL cannot change who owns a resource).
 */
export function parseAclXml(root: XmlElement, owner: string): Acl {
  if (root.name !== "AccessControlPolicy") throw malformed();
  const ownerElement = child(root, "Owner");
  const ownerId = ownerElement ? text(child(ownerElement, "ID")).trim() : "";
  if (!ownerId) throw malformed();
  if (ownerId !== owner) throw new S3Error("AccessDenied");
  const list = child(root, "AccessControlList");
  if (!list) throw malformed();
  const grants: Grant[] = [];
  for (const grant of children(list, "Grant")) {
    const grantee = child(grant, "Grantee");
    const permission = text(child(grant, "Permission")).trim();
    if (!grantee || !permissions.includes(permission as Permission)) throw malformed();
    grants.push({ grantee: parseGrantee(grantee), permission: permission as Permission });
  }
  return { owner, grants };
}

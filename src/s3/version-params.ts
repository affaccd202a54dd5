import type { QueryView } from "../lib/parsed-query.ts";
/**
 * What requests say about versions: the `versionId` query parameter, a PutBucketVersioning body,
 * and the ListObjectVersions markers.
 */
import { isVersionId, NULL_VERSION } from "../storage/index.ts";
import { S3Error } from "./errors.ts";
import { childText, type XmlElement } from "./xml/parse.ts";

/** The `versionId` a request names, undefined when it names none; an empty one is refused as S3 does. */
export function versionIdOf(query: QueryView): string | undefined {
  const value = query.get("versionId");
  if (value === null) return undefined;
  if (value === "") {
    throw new S3Error("InvalidArgument", "Version id cannot be the empty string", {
      ArgumentName: "versionId",
      ArgumentValue: "",
    });
  }
  return value;
}

/** The state a PutBucketVersioning body asks for; undefined when it names no Status (nothing changes). */
export function parseVersioningConfiguration(
  root: XmlElement | undefined,
  mfaHeader: string | null,
): "Enabled" | "Suspended" | undefined {
  if (root?.name !== "VersioningConfiguration") throw new S3Error("MalformedXML");
  const status = childText(root, "Status")?.trim();
  const mfaDelete = (childText(root, "MfaDelete") ?? childText(root, "MFADelete"))?.trim();
  if (mfaDelete !== undefined && mfaDelete !== "Enabled" && mfaDelete !== "Disabled") {
    throw new S3Error("MalformedXML");
  }
  if (mfaDelete === "Enabled" || mfaHeader !== null) {
    throw new S3Error(
      "NotImplemented",
      "MFA Delete is not supported: this server has no MFA devices. Send MfaDelete Disabled or leave it out.",
    );
  }
  if (status === undefined || status === "") return undefined;
  if (status !== "Enabled" && status !== "Suspended") throw new S3Error("MalformedXML");
  return status;
}

/** key-marker and version-id-marker of ListObjectVersions, checked as S3 checks them. */
export function parseVersionMarkers(query: QueryView): { keyMarker: string; versionIdMarker: string } {
  const keyMarker = query.get("key-marker") ?? "";
  const versionIdMarker = query.get("version-id-marker") ?? "";
  if (versionIdMarker !== "" && keyMarker === "") {
    throw new S3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.", {
      ArgumentName: "version-id-marker",
      ArgumentValue: versionIdMarker,
    });
  }
  if (versionIdMarker !== "" && versionIdMarker !== NULL_VERSION && !isVersionId(versionIdMarker)) {
    throw new S3Error("InvalidArgument", "Invalid version id specified", {
      ArgumentName: "version-id-marker",
      ArgumentValue: versionIdMarker,
    });
  }
  return { keyMarker, versionIdMarker };
}

/** `x-amz-version-id` (and `x-amz-delete-marker` when set) as S3 sends them; nothing for unversioned buckets. */
export function versionHeaders(result: {
  versionId?: string;
  deleteMarker?: boolean;
}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (result.deleteMarker) headers["x-amz-delete-marker"] = "true";
  if (result.versionId !== undefined) headers["x-amz-version-id"] = result.versionId;
  return headers;
}

/**
 * The version header of a write (PutObject, POST, CopyObject, CompleteMultipartUpload): its new
 * version's id, none when the write made the `null` version (a suspended bucket), as AWS's
 * "versioning suspended" sample response has none; reads still answer `null`.
 */
export function writtenVersionHeaders(result: { versionId?: string }): Record<string, string> {
  return result.versionId === NULL_VERSION ? {} : versionHeaders(result);
}

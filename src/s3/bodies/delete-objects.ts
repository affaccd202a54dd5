/** The body of DeleteObjects: up to 1000 keys (each with an optional version id) and whether to answer only with errors. */
import * as v from "valibot";
import { S3Error } from "../errors.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

export const maxDeleteKeys = 1000;

const deleteRequest = xmlDocument("Delete", {
  Object: xmlList(
    xmlElement({ Key: xmlText(), VersionId: v.optional(xmlText(v.pipe(v.string(), v.trim()))) }),
    1,
    maxDeleteKeys,
  ),
  Quiet: v.optional(
    xmlText(
      v.pipe(
        v.string(),
        v.trim(),
        v.toLowerCase(),
        v.transform((s) => s === "true"),
      ),
    ),
  ),
});

/**
 * The keys and Quiet flag of a DeleteObjects body. What does not fit the schema is MalformedXML;
 * as on S3, an empty key refuses the whole batch (UserKeyMustBeSpecified) before anything is deleted.
 */
export function deleteObjectsRequest(root: XmlElement): {
  entries: { key: string; versionId?: string }[];
  quiet: boolean;
} {
  const body = readXml(deleteRequest, root);
  const entries = body.Object.map((o) => ({ key: o.Key, versionId: o.VersionId }));
  if (entries.some((e) => e.key === "")) throw new S3Error("UserKeyMustBeSpecified");
  return { entries, quiet: body.Quiet ?? false };
}

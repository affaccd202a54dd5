/** The body of PutObjectTagging and PutBucketTagging: `Tagging` > `TagSet` > `Tag` (Key, Value). */
import * as v from "valibot";
import type { ObjectTag } from "../../storage/index.ts";
import { checkTags } from "../tags.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlChild, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

/** Generous bound for the schema; the real limits (10 or 50) are checked after each tag's. */
const maxListed = 1000;

const tagging = xmlDocument("Tagging", {
  TagSet: xmlChild(
    // A missing key never reaches a schema that is not optional: an empty TagSet is no tags.
    xmlElement({
      Tag: v.optional(xmlList(xmlElement({ Key: xmlText(), Value: xmlText() }), 0, maxListed), []),
    }),
  ),
});

/** The tags of a Tagging body, checked as S3 checks object (at most 10) or bucket (50) tags. */
export function taggingRequest(root: XmlElement, scope: "object" | "bucket"): ObjectTag[] {
  const body = readXml(tagging, root);
  return checkTags(
    body.TagSet.Tag.map((t) => ({ key: t.Key, value: t.Value })),
    scope,
  );
}

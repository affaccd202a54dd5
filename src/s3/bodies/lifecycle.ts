/**
 * The body of PutBucketLifecycleConfiguration: `LifecycleConfiguration` > `Rule` (1…1000), checked
 * as S3 checks it. What does not fit the schema is MalformedXML: an unknown Status, no Filter and
 * no Prefix or both, a Filter naming more than one of Prefix, Tag, And and the sizes, Expiration
 * with other than exactly one of Days, Date and ExpiredObjectDeleteMarker, a date that is not one.
 * Values out of bounds are InvalidArgument (ID over 255 characters or repeated, Days,
 * NoncurrentDays, NewerNoncurrentVersions, DaysAfterInitiation, a Date not at midnight UTC);
 * combinations S3 refuses are InvalidRequest (a rule without action, ExpiredObjectDeleteMarker or
 * AbortIncompleteMultipartUpload with a tag filter, AbortIncompleteMultipartUpload with a size
 * filter). Transition and NoncurrentVersionTransition are InvalidStorageClass: s3dir keeps every
 * object in its one class, STANDARD, and a transition names a class it does not have (the answer
 * AWS gives for a class it does not offer, and MinIO for a transition tier it does not know).
 */
import * as v from "valibot";
import type {
  LifecycleConfiguration,
  LifecycleFilter,
  LifecycleRule,
  ObjectTag,
} from "../../storage/index.ts";
import { S3Error } from "../errors.ts";
import { parseIsoTimestamp } from "../lock-params.ts";
import { checkTags } from "../tags.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlChild, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

export const maxLifecycleRules = 1000;
const maxIdLength = 255;
const maxNewerNoncurrentVersions = 100;
const dayMs = 86_400_000;

/** Generous bound for the schema; the tag rules themselves are checked after it. */
const maxListedTags = 1000;

const trimmed = v.pipe(v.string(), v.trim());
const integer = xmlText(v.pipe(trimmed, v.regex(/^[+-]?\d{1,15}$/), v.transform(Number)));
const boolean = xmlText(
  v.pipe(
    trimmed,
    v.picklist(["true", "false"]),
    v.transform((s) => s === "true"),
  ),
);
const date = xmlText(
  v.pipe(
    trimmed,
    v.transform((s) =>
      /^\d{4}-\d{2}-\d{2}$/.test(s) ? parseIsoTimestamp(`${s}T00:00:00Z`) : parseIsoTimestamp(s),
    ),
    v.check((d) => d !== undefined),
    v.transform((d) => d!),
  ),
);
const present = v.optional(v.unknown());

const tag = xmlElement({ Key: xmlText(), Value: xmlText() });
const tags = v.optional(xmlList(tag, 0, maxListedTags), []);

const andFilter = xmlElement({
  Prefix: v.optional(xmlText()),
  Tag: tags,
  ObjectSizeGreaterThan: v.optional(integer),
  ObjectSizeLessThan: v.optional(integer),
});

const filter = xmlElement({
  Prefix: v.optional(xmlText()),
  Tag: v.optional(xmlList(tag, 0, 1)),
  And: v.optional(xmlChild(andFilter)),
  ObjectSizeGreaterThan: v.optional(integer),
  ObjectSizeLessThan: v.optional(integer),
});

const rule = xmlElement({
  ID: v.optional(xmlText()),
  Status: xmlText(v.pipe(trimmed, v.picklist(["Enabled", "Disabled"]))),
  Filter: v.optional(xmlChild(filter)),
  Prefix: v.optional(xmlText()),
  Expiration: v.optional(
    xmlChild(
      xmlElement({
        Days: v.optional(integer),
        Date: v.optional(date),
        ExpiredObjectDeleteMarker: v.optional(boolean),
      }),
    ),
  ),
  NoncurrentVersionExpiration: v.optional(
    xmlChild(
      xmlElement({ NoncurrentDays: v.optional(integer), NewerNoncurrentVersions: v.optional(integer) }),
    ),
  ),
  AbortIncompleteMultipartUpload: v.optional(
    xmlChild(xmlElement({ DaysAfterInitiation: v.optional(integer) })),
  ),
  Transition: present,
  NoncurrentVersionTransition: present,
});

const lifecycle = xmlDocument("LifecycleConfiguration", {
  Rule: xmlList(rule, 1, maxLifecycleRules),
});

type RuleBody = v.InferOutput<typeof rule>;
type FilterBody = v.InferOutput<typeof filter>;

const malformed = () => new S3Error("MalformedXML");
const invalidArgument = (message: string) => new S3Error("InvalidArgument", message);
const invalidRequest = (message: string) => new S3Error("InvalidRequest", message);

function positive(n: number | undefined, message: string): number {
  if (n === undefined || !Number.isSafeInteger(n) || n <= 0) throw invalidArgument(message);
  return n;
}

/** A PutBucketLifecycleConfiguration body as storage keeps it; throws the S3 error S3 answers. */
export function lifecycleConfigurationRequest(
  root: XmlElement,
  newId: () => string = randomRuleId,
): LifecycleConfiguration {
  const body = readXml(lifecycle, root);
  const rules: LifecycleRule[] = [];
  const ids = new Set<string>();
  for (const r of body.Rule) {
    const parsed = ruleOf(r, newId);
    if (ids.has(parsed.id)) {
      throw invalidArgument("Rule ID must be unique. Found same ID for more than one rule");
    }
    ids.add(parsed.id);
    rules.push(parsed);
  }
  return { rules };
}

function ruleOf(r: RuleBody, newId: () => string): LifecycleRule {
  if (r.Transition !== undefined || r.NoncurrentVersionTransition !== undefined) {
    throw new S3Error(
      "InvalidStorageClass",
      "The storage class you specified is not valid: s3dir keeps every object in one storage class (STANDARD), so Transition and NoncurrentVersionTransition are not supported.",
    );
  }
  if ((r.Filter === undefined) === (r.Prefix === undefined)) throw malformed();
  const id = r.ID === undefined || r.ID === "" ? newId() : r.ID;
  if ([...id].length > maxIdLength) {
    throw invalidArgument("ID length should not exceed allowed limit of 255");
  }
  const rule: LifecycleRule = {
    id,
    enabled: r.Status === "Enabled",
    filter: r.Filter === undefined ? { prefix: r.Prefix! } : filterOf(r.Filter),
  };
  if (r.Filter === undefined) rule.topLevelPrefix = true;
  const hasTags = (rule.filter.tags?.length ?? 0) > 0;
  const hasSize = rule.filter.sizeGreaterThan !== undefined || rule.filter.sizeLessThan !== undefined;

  const e = r.Expiration;
  if (e) {
    const given = [e.Days, e.Date, e.ExpiredObjectDeleteMarker].filter((x) => x !== undefined).length;
    if (given !== 1) throw malformed();
    if (e.Days !== undefined) {
      rule.expiration = { days: positive(e.Days, "'Days' for Expiration action must be a positive integer") };
    } else if (e.Date !== undefined) {
      if (e.Date.getTime() % dayMs !== 0) throw invalidArgument("'Date' must be at midnight GMT");
      rule.expiration = { date: e.Date };
    } else {
      if (hasTags) throw invalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.");
      rule.expiration = { expiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker! };
    }
  }
  const n = r.NoncurrentVersionExpiration;
  if (n) {
    const noncurrentDays = positive(
      n.NoncurrentDays,
      "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
    );
    rule.noncurrentVersionExpiration = { noncurrentDays };
    if (n.NewerNoncurrentVersions !== undefined) {
      const newer = positive(
        n.NewerNoncurrentVersions,
        "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer",
      );
      if (newer > maxNewerNoncurrentVersions) {
        throw invalidArgument(
          "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must not exceed 100",
        );
      }
      rule.noncurrentVersionExpiration.newerNoncurrentVersions = newer;
    }
  }
  const a = r.AbortIncompleteMultipartUpload;
  if (a) {
    if (hasTags) throw invalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.");
    if (hasSize) throw invalidRequest("AbortIncompleteMultipartUpload cannot be specified with Object Size.");
    const days = positive(
      a.DaysAfterInitiation,
      "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
    );
    rule.abortIncompleteMultipartUpload = { daysAfterInitiation: days };
  }
  if (!e && !n && !a) throw invalidRequest("At least one action needs to be specified in a rule");
  return rule;
}

function filterOf(f: FilterBody): LifecycleFilter {
  const named = [f.Prefix, f.Tag, f.And, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan].filter(
    (x) => x !== undefined,
  ).length;
  if (named > 1) throw malformed();
  const out: LifecycleFilter = {};
  const source = f.And ?? { ...f, Tag: f.Tag ?? [] };
  if (f.And && f.And.Prefix === undefined && f.And.Tag.length === 0 && sizesOf(f.And) === 0)
    throw malformed();
  if (source.Prefix !== undefined) out.prefix = source.Prefix;
  if (source.Tag.length > 0) out.tags = tagsOf(source.Tag);
  const gt = source.ObjectSizeGreaterThan;
  const lt = source.ObjectSizeLessThan;
  if (gt !== undefined) {
    if (!Number.isSafeInteger(gt) || gt < 0) {
      throw invalidArgument("'ObjectSizeGreaterThan' must be a non-negative integer");
    }
    out.sizeGreaterThan = gt;
  }
  if (lt !== undefined) {
    if (!Number.isSafeInteger(lt) || lt <= 0) {
      throw invalidArgument("'ObjectSizeLessThan' must be a positive integer");
    }
    out.sizeLessThan = lt;
  }
  if (gt !== undefined && lt !== undefined && gt >= lt) {
    throw invalidArgument("'ObjectSizeGreaterThan' must be less than 'ObjectSizeLessThan'");
  }
  return out;
}

function sizesOf(f: { ObjectSizeGreaterThan?: number; ObjectSizeLessThan?: number }): number {
  return (f.ObjectSizeGreaterThan === undefined ? 0 : 1) + (f.ObjectSizeLessThan === undefined ? 0 : 1);
}

function tagsOf(list: { Key: string; Value: string }[]): ObjectTag[] {
  return checkTags(
    list.map((t) => ({ key: t.Key, value: t.Value })),
    "bucket",
  );
}

/** An ID for a rule sent without one, as S3 makes one up. */
export function randomRuleId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes));
}

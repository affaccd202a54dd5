/**
 * The bodies of PutObjectLockConfiguration, PutObjectRetention and PutObjectLegalHold. What does
 * not fit S3's schema (an unknown mode or status, Days and Years together, a mode without a
 * period, ObjectLockEnabled other than Enabled) is MalformedXML; a period out of bounds and a
 * retain-until date not in the future are the InvalidArgument S3 answers.
 */
import * as v from "valibot";
import type { ObjectLockConfiguration, Retention } from "../../storage/index.ts";
import { S3Error } from "../errors.ts";
import { parseIsoTimestamp } from "../lock-params.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlChild, xmlDocument, xmlElement, xmlText } from "../xml/schema.ts";

/** AWS's bounds of a default retention period. */
const maxDays = 36_500;
const maxYears = 100;

const trimmed = v.pipe(v.string(), v.trim());
const mode = xmlText(v.pipe(trimmed, v.picklist(["GOVERNANCE", "COMPLIANCE"])));
const integer = xmlText(v.pipe(trimmed, v.regex(/^[+-]?\d{1,12}$/), v.transform(Number)));
const timestamp = xmlText(
  v.pipe(
    trimmed,
    v.transform(parseIsoTimestamp),
    v.check((d) => d !== undefined),
    v.transform((d) => d!),
  ),
);

const lockConfiguration = xmlDocument("ObjectLockConfiguration", {
  ObjectLockEnabled: xmlText(v.pipe(trimmed, v.literal("Enabled"))),
  Rule: v.optional(
    xmlChild(
      xmlElement({
        DefaultRetention: xmlChild(
          v.pipe(
            xmlElement({ Mode: mode, Days: v.optional(integer), Years: v.optional(integer) }),
            v.check((d) => (d.Days === undefined) !== (d.Years === undefined)),
          ),
        ),
      }),
    ),
  ),
});

const retention = v.pipe(
  xmlDocument("Retention", { Mode: v.optional(mode), RetainUntilDate: v.optional(timestamp) }),
  v.check((r) => (r.Mode === undefined) === (r.RetainUntilDate === undefined)),
);

const legalHold = xmlDocument("LegalHold", {
  Status: xmlText(v.pipe(trimmed, v.picklist(["ON", "OFF"]))),
});

function periodError(name: "Days" | "Years", value: number, max: number): S3Error | undefined {
  const message =
    value <= 0
      ? "Default retention period must be a positive integer value."
      : value > max
        ? "Default retention period too large."
        : undefined;
  return message
    ? new S3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: String(value) })
    : undefined;
}

/** A PutObjectLockConfiguration body: the default retention, or none (no Rule). */
export function objectLockConfigurationRequest(root: XmlElement): ObjectLockConfiguration {
  const body = readXml(lockConfiguration, root);
  const d = body.Rule?.DefaultRetention;
  if (!d) return {};
  const error =
    d.Days !== undefined ? periodError("Days", d.Days, maxDays) : periodError("Years", d.Years!, maxYears);
  if (error) throw error;
  return {
    defaultRetention:
      d.Days !== undefined ? { mode: d.Mode, days: d.Days } : { mode: d.Mode, years: d.Years! },
  };
}

/** A PutObjectRetention body: the retention asked for, or undefined (an empty Retention removes it). */
export function retentionRequest(root: XmlElement, now = Date.now()): Retention | undefined {
  const body = readXml(retention, root);
  if (body.Mode === undefined || body.RetainUntilDate === undefined) return undefined;
  if (body.RetainUntilDate.getTime() <= now) {
    throw new S3Error("InvalidArgument", "The retain until date must be in the future!", {
      ArgumentName: "RetainUntilDate",
      ArgumentValue: body.RetainUntilDate.toISOString(),
    });
  }
  return { mode: body.Mode, until: body.RetainUntilDate };
}

/** A PutObjectLegalHold body: true for ON. */
export function legalHoldRequest(root: XmlElement): boolean {
  return readXml(legalHold, root).Status === "ON";
}

/**
 * The body of PutBucketCors: `CORSConfiguration` > `CORSRule` (ID, AllowedMethod, AllowedOrigin,
 * AllowedHeader, ExposeHeader, MaxAgeSeconds), checked as S3 checks it.
 */
import * as v from "valibot";
import { type CorsRule, isCorsMethod } from "../cors/cors-rules.ts";
import { S3Error } from "../errors.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

const maxRules = 100;
/** Generous bound for the schema; the real limit is checked after, with S3's message. */
const maxListed = 10_000;
const maxIdLength = 255;

/** One element's text, for lists of text elements. */
const text = v.pipe(
  v.custom<XmlElement>(() => true),
  v.transform((e) => e.text),
);
const texts = v.optional(xmlList(text, 0, maxListed), []);
const optionalText = v.optional(xmlText());

const corsConfiguration = xmlDocument("CORSConfiguration", {
  CORSRule: xmlList(
    xmlElement({
      ID: optionalText,
      AllowedMethod: xmlList(text, 1, maxListed),
      AllowedOrigin: xmlList(text, 1, maxListed),
      AllowedHeader: texts,
      ExposeHeader: texts,
      MaxAgeSeconds: v.optional(xmlText(v.pipe(v.string(), v.regex(/^\s*\d{1,9}\s*$/), v.transform(Number)))),
    }),
    1,
    maxListed,
  ),
});

function atMostOneWildcard(element: "AllowedOrigin" | "AllowedHeader", value: string): void {
  if (value.indexOf("*") !== value.lastIndexOf("*")) {
    throw new S3Error("InvalidRequest", `${element} "${value}" can not have more than one wildcard.`);
  }
}

/** The rules of a CORSConfiguration body; MalformedXML or InvalidRequest as S3 answers them. */
export function corsRequest(root: XmlElement): CorsRule[] {
  const body = readXml(corsConfiguration, root);
  if (body.CORSRule.length > maxRules) {
    throw new S3Error(
      "InvalidRequest",
      "The number of CORS rules should not exceed allowed limit of 100 rules.",
    );
  }
  return body.CORSRule.map((rule) => {
    if (rule.ID !== undefined && rule.ID.length > maxIdLength) {
      throw new S3Error("InvalidArgument", "ID length should not exceed allowed limit of 255", {
        ArgumentName: "ID",
        ArgumentValue: rule.ID,
      });
    }
    for (const method of rule.AllowedMethod) {
      if (!isCorsMethod(method)) {
        throw new S3Error(
          "InvalidRequest",
          `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`,
        );
      }
    }
    for (const origin of rule.AllowedOrigin) atMostOneWildcard("AllowedOrigin", origin);
    for (const header of rule.AllowedHeader) atMostOneWildcard("AllowedHeader", header);
    return {
      ...(rule.ID !== undefined && rule.ID !== "" ? { id: rule.ID } : {}),
      allowedMethods: rule.AllowedMethod.filter(isCorsMethod),
      allowedOrigins: rule.AllowedOrigin,
      allowedHeaders: rule.AllowedHeader,
      exposeHeaders: rule.ExposeHeader,
      ...(rule.MaxAgeSeconds !== undefined ? { maxAgeSeconds: rule.MaxAgeSeconds } : {}),
    };
  });
}

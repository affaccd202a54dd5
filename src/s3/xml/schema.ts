/**
 * valibot schemas over a parsed XML document (parse.ts), so that a request body becomes a typed
 * value the way its published schema describes it. An element's children are read by local name;
 * a body that does not fit is MalformedXML. Web-standard only.
 */
import * as v from "valibot";
import { S3Error } from "../errors.ts";
import type { XmlElement } from "./parse.ts";

type Elements = XmlElement[] | undefined;

/** Child elements grouped by local name; a name that does not occur is absent (undefined). */
function childrenByName(element: XmlElement): Record<string, XmlElement[]> {
  const groups: Record<string, XmlElement[]> = Object.create(null);
  for (const c of element.children) {
    const group = groups[c.name];
    if (group) group.push(c);
    else groups[c.name] = [c];
  }
  return groups;
}

// Only parse.ts builds the values these schemas read, so their shape needs no check of its own.
const element = v.custom<XmlElement>(() => true);
const elements = v.custom<Elements>(() => true);

/** The children of an element as the object schema of `entries` reads them. */
function childrenFor<E extends v.ObjectEntries>(_entries: E) {
  return v.transform((e: XmlElement) => childrenByName(e) as v.InferInput<v.ObjectSchema<E, undefined>>);
}

/** An element whose children are read by `entries`: child name → schema of those children. */
export function xmlElement<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(element, childrenFor(entries), v.object(entries));
}

/** The root element, which must be called `name`. */
export function xmlDocument<const E extends v.ObjectEntries>(name: string, entries: E) {
  return v.pipe(
    element,
    v.check((root) => root.name === name),
    childrenFor(entries),
    v.object(entries),
  );
}

/** The first child of this name, which must be there, read by `schema`. */
export function xmlChild<T>(schema: v.GenericSchema<XmlElement, T>) {
  return v.pipe(
    elements,
    v.check((list) => list !== undefined),
    v.transform((list) => list![0]!),
    schema,
  );
}

/** The text of the first child of this name, which must be there, exactly as sent. */
export function xmlText(): v.GenericSchema<Elements, string>;
/** The text of the first child of this name, which must be there, read by `schema`. */
export function xmlText<T>(schema: v.GenericSchema<string, T>): v.GenericSchema<Elements, T>;
export function xmlText(
  schema: v.GenericSchema<string, unknown> = v.string(),
): v.GenericSchema<Elements, unknown> {
  return v.pipe(
    elements,
    v.check((list) => list !== undefined),
    v.transform((list) => list![0]!.text),
    schema,
  );
}

/** Every child of this name (none when absent), min…max of them, each read by `schema`. */
export function xmlList<T>(schema: v.GenericSchema<XmlElement, T>, min: number, max: number) {
  return v.pipe(
    elements,
    v.transform((list) => list ?? []),
    v.minLength(min),
    v.maxLength(max),
    v.array(schema),
  );
}

/** Reads a parsed document through its schema; anything that does not fit is MalformedXML. */
export function readXml<T>(schema: v.GenericSchema<XmlElement, T>, root: XmlElement): T {
  const result = v.safeParse(schema, root, { abortEarly: true });
  if (!result.success) throw new S3Error("MalformedXML");
  return result.output;
}

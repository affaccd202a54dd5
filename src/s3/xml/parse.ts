import { S3Error } from "../errors.ts";

/**
 * A small, safe XML parser for S3 request bodies (DeleteObjects, CompleteMultipartUpload,
 * CreateBucketConfiguration, Tagging…). Web-standard only.
 *
 * Supported: the XML declaration, comments, processing instructions, CDATA sections, the five
 * predefined entities and numeric character references. Refused with MalformedXML: DOCTYPE and
 * ENTITY declarations (no DTDs, hence no XXE or entity expansion), undefined entities, mismatched
 * or unclosed tags, duplicate attributes, characters XML forbids, and more than one root element.
 * Over-large documents are refused with MaxMessageLengthExceeded.
 */

export interface XmlElement {
  /** Local name: the namespace prefix (if any) is stripped. */
  name: string;
  /** Attributes by their name as written (e.g. "xmlns", "xsi:type"), values decoded. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /**
   * The element's own character data (CDATA included), decoded and kept exactly. In an element that
   * has child elements, whitespace-only text (indentation) is dropped and `text` is "".
   */
  text: string;
}

export interface XmlParseOptions {
  /** Largest accepted document in bytes (UTF-8). Default 4 MiB. */
  maxBytes?: number;
  /** Deepest accepted element nesting; the root is depth 1. Default 32. */
  maxDepth?: number;
}

export const defaultXmlMaxBytes = 4 * 1024 * 1024;
export const defaultXmlMaxDepth = 32;

function malformed(detail: string): S3Error {
  return new S3Error(
    "MalformedXML",
    `The XML you provided was not well-formed or did not validate against our published schema (${detail}).`,
  );
}

// Characters XML 1.0 forbids anywhere in a document (besides unpaired surrogates, checked apart).
const forbiddenChar = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// A name (possibly prefixed) at the current position.
const nameAt = /[A-Za-z_:\u00C0-\u{EFFFF}][A-Za-z0-9_:.\-\u00B7\u00C0-\u{EFFFF}]*/uy;
const whitespaceOnly = /^[ \t\n]*$/;
const predefined: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Decodes entity and character references in text or an attribute value. */
function decodeReferences(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&]*);?/g, (match, body: string) => {
    if (!match.endsWith(";")) throw malformed("unterminated reference");
    const named = predefined[body];
    if (named !== undefined) return named;
    let cp = Number.NaN;
    if (/^#x[0-9A-Fa-f]{1,6}$/.test(body)) cp = Number.parseInt(body.slice(2), 16);
    else if (/^#[0-9]{1,7}$/.test(body)) cp = Number.parseInt(body.slice(1), 10);
    else throw malformed(`undefined entity &${body.slice(0, 20)};`);
    if (!isXmlChar(cp)) throw malformed("character reference to a forbidden character");
    return String.fromCodePoint(cp);
  });
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(":");
  if (colon < 0) return qualified;
  const local = qualified.slice(colon + 1);
  if (colon === 0 || local === "" || local.includes(":"))
    throw malformed(`bad name ${qualified.slice(0, 40)}`);
  return local;
}

function toText(input: string | Uint8Array | ArrayBuffer, maxBytes: number): string {
  if (typeof input === "string") {
    // A UTF-16 unit is at least one UTF-8 byte, so this bound never rejects a document within maxBytes.
    if (input.length > maxBytes) throw tooLarge();
    if (input.length * 3 > maxBytes && new TextEncoder().encode(input).length > maxBytes) throw tooLarge();
    return input.startsWith("\uFEFF") ? input.slice(1) : input;
  }
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length > maxBytes) throw tooLarge();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes); // strips a BOM
  } catch {
    throw malformed("invalid UTF-8");
  }
}

function tooLarge(): S3Error {
  return new S3Error("MaxMessageLengthExceeded", "Your request was too big.");
}

/** Parses an XML document and returns its root element, or throws S3Error MalformedXML. */
export function parseXml(
  input: string | Uint8Array | ArrayBuffer,
  options: XmlParseOptions = {},
): XmlElement {
  const maxBytes = options.maxBytes ?? defaultXmlMaxBytes;
  const maxDepth = options.maxDepth ?? defaultXmlMaxDepth;
  // XML end-of-line handling: CRLF and lone CR become LF before parsing (a CR survives only as &#13;).
  const src = toText(input, maxBytes).replace(/\r\n?/g, "\n");
  if (forbiddenChar.test(src) || loneSurrogate.test(src)) throw malformed("forbidden character");

  let pos = 0;
  let root: XmlElement | undefined;
  const stack: { element: XmlElement; qualified: string }[] = [];

  const fail: (detail: string) => never = (detail) => {
    throw malformed(`${detail} at offset ${pos}`);
  };
  const readName = (): string => {
    nameAt.lastIndex = pos;
    const m = nameAt.exec(src);
    if (!m) return fail("expected a name");
    pos += m[0].length;
    return m[0];
  };
  const skipSpace = (): boolean => {
    const start = pos;
    while (pos < src.length && (src[pos] === " " || src[pos] === "\t" || src[pos] === "\n")) pos++;
    return pos > start;
  };
  const appendText = (value: string): void => {
    const top = stack[stack.length - 1];
    if (top) top.element.text += value;
    else if (!whitespaceOnly.test(value)) fail("text outside the root element");
  };

  // The XML declaration may only appear at the very start.
  if (src.startsWith("<?xml") && /^<\?xml[ \t\n]/.test(src)) {
    const end = src.indexOf("?>");
    if (end < 0) fail("unterminated XML declaration");
    const decl = src.slice(5, end);
    if (!/^[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1/.test(decl)) fail("bad XML declaration");
    pos = end + 2;
  }

  while (pos < src.length) {
    const lt = src.indexOf("<", pos);
    if (lt !== pos) {
      const end = lt < 0 ? src.length : lt;
      const raw = src.slice(pos, end);
      if (raw.includes("]]>")) fail("']]>' in text");
      appendText(decodeReferences(raw));
      pos = end;
      continue;
    }
    if (src.startsWith("<!--", pos)) {
      const end = src.indexOf("-->", pos + 4);
      if (end < 0) fail("unterminated comment");
      pos = end + 3;
    } else if (src.startsWith("<![CDATA[", pos)) {
      if (stack.length === 0) fail("CDATA outside the root element");
      const end = src.indexOf("]]>", pos + 9);
      if (end < 0) fail("unterminated CDATA section");
      appendText(src.slice(pos + 9, end));
      pos = end + 3;
    } else if (src.startsWith("<!", pos)) {
      fail("DOCTYPE and other declarations are not allowed");
    } else if (src.startsWith("<?", pos)) {
      pos += 2;
      const target = readName();
      if (target.toLowerCase() === "xml") fail("misplaced XML declaration");
      const end = src.indexOf("?>", pos);
      if (end < 0) fail("unterminated processing instruction");
      pos = end + 2;
    } else if (src.startsWith("</", pos)) {
      pos += 2;
      const qualified = readName();
      skipSpace();
      if (src[pos] !== ">") fail("bad end tag");
      pos++;
      const open = stack.pop();
      if (!open || open.qualified !== qualified) fail(`unexpected end tag </${qualified.slice(0, 40)}>`);
      const element = open!.element;
      if (element.children.length > 0 && whitespaceOnly.test(element.text)) element.text = "";
    } else {
      pos++;
      const qualified = readName();
      const element: XmlElement = { name: localName(qualified), attributes: {}, children: [], text: "" };
      for (;;) {
        const spaced = skipSpace();
        if (src.startsWith("/>", pos) || src[pos] === ">") break;
        if (!spaced) fail("expected whitespace before an attribute");
        const attr = readName();
        localName(attr);
        skipSpace();
        if (src[pos] !== "=") fail("expected '=' after an attribute name");
        pos++;
        skipSpace();
        const quote = src[pos];
        if (quote !== '"' && quote !== "'") fail("attribute value must be quoted");
        const end = src.indexOf(quote!, pos + 1);
        if (end < 0) fail("unterminated attribute value");
        const raw = src.slice(pos + 1, end);
        if (raw.includes("<")) fail("'<' in an attribute value");
        if (Object.hasOwn(element.attributes, attr)) fail(`duplicate attribute ${attr.slice(0, 40)}`);
        // Attribute-value normalization: literal whitespace characters become spaces.
        element.attributes[attr] = decodeReferences(raw.replace(/[\t\n]/g, " "));
        pos = end + 1;
      }
      const selfClosing = src[pos] === "/";
      pos += selfClosing ? 2 : 1;
      const parent = stack[stack.length - 1];
      if (parent) parent.element.children.push(element);
      else if (root) fail("more than one root element");
      else root = element;
      if (stack.length >= maxDepth) fail("elements nested too deeply");
      if (!selfClosing) stack.push({ element, qualified });
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1]!.qualified.slice(0, 40)}>`);
  if (!root) throw malformed("no root element");
  return root;
}

/** The first child element with this local name. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** All child elements with this local name (all children when no name is given). */
export function children(element: XmlElement, name?: string): XmlElement[] {
  return name === undefined ? element.children : element.children.filter((c) => c.name === name);
}

/** The text of an element, exactly as sent ("" for undefined). */
export function text(element: XmlElement | undefined): string {
  return element?.text ?? "";
}

/** The text of the first child with this local name, or undefined when there is no such child. */
export function childText(element: XmlElement, name: string): string | undefined {
  return child(element, name)?.text;
}

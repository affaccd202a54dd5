import { describe, expect, test } from "bun:test";
import { S3Error } from "../../src/s3/errors.ts";
import { xmlEscape } from "../../src/s3/xml/escape.ts";
import { child, children, childText, parseXml, text } from "../../src/s3/xml/parse.ts";

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    return `not an S3Error: ${String(e)}`;
  }
  return "no error";
}

describe("parseXml: S3 request bodies", () => {
  test("DeleteObjects with namespace, declaration, Quiet and an empty VersionId", () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n` +
        `  <Object><Key>a.txt</Key></Object>\n  <Object>\n    <Key>dir/b c.txt</Key>\n    <VersionId/>\n  </Object>\n` +
        `  <Quiet>true</Quiet>\n</Delete>\n`,
    );
    expect(root.name).toBe("Delete");
    expect(root.attributes.xmlns).toBe("http://s3.amazonaws.com/doc/2006-03-01/");
    expect(root.text).toBe("");
    const objects = children(root, "Object");
    expect(objects.map((o) => childText(o, "Key"))).toEqual(["a.txt", "dir/b c.txt"]);
    expect(child(objects[1]!, "VersionId")).toEqual({
      name: "VersionId",
      attributes: {},
      children: [],
      text: "",
    });
    expect(childText(objects[0]!, "VersionId")).toBeUndefined();
    expect(text(child(root, "Quiet"))).toBe("true");
    expect(text(child(root, "Missing"))).toBe("");
    expect(children(root).map((c) => c.name)).toEqual(["Object", "Object", "Quiet"]);
  });

  test("CompleteMultipartUpload with quoted ETags", () => {
    const root = parseXml(
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"abc"</ETag></Part>' +
        "<Part><ETag>&quot;def&quot;</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>",
    );
    expect(children(root, "Part").map((p) => [childText(p, "PartNumber"), childText(p, "ETag")])).toEqual([
      ["1", '"abc"'],
      ["2", '"def"'],
    ]);
  });

  test("namespace prefixes are stripped from element names, kept on attributes", () => {
    const root = parseXml(
      '<s3:Tagging xmlns:s3="urn:x" xmlns:xsi="urn:y"><s3:TagSet><s3:Tag xsi:type="t"><s3:Key>k</s3:Key>' +
        "<s3:Value>v</s3:Value></s3:Tag></s3:TagSet></s3:Tagging>",
    );
    expect(root.name).toBe("Tagging");
    const tag = child(child(root, "TagSet")!, "Tag")!;
    expect(tag.attributes).toEqual({ "xsi:type": "t" });
    expect([childText(tag, "Key"), childText(tag, "Value")]).toEqual(["k", "v"]);
    expect(root.attributes["xmlns:s3"]).toBe("urn:x");
  });

  test("leaf text is kept exactly, including surrounding and whitespace-only content", () => {
    const root = parseXml(
      "<Delete><Object><Key>  spaced key \t</Key></Object><Object><Key>   </Key></Object></Delete>",
    );
    expect(children(root, "Object").map((o) => childText(o, "Key"))).toEqual(["  spaced key \t", "   "]);
  });

  test("the five predefined entities and numeric character references", () => {
    const root = parseXml(
      "<K>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600;&#128512; &#13;&#10;&#9;&#x0D;&amp;amp;</K>",
    );
    expect(root.text).toBe("<>&\"' AB\u{1F600}\u{1F600} \r\n\t\r&amp;");
  });

  test("attribute values decode references and normalize literal whitespace", () => {
    const root = parseXml("<a x='1 &amp; &quot;2&quot;' y = \"a\tb\nc&#10;\" />");
    expect(root.attributes).toEqual({ x: '1 & "2"', y: "a b c\n" });
    expect(root.children).toEqual([]);
  });

  test("CDATA is kept verbatim and joins adjacent text", () => {
    const root = parseXml("<Key>a<![CDATA[<&>]]]]><![CDATA[>]]>b</Key>");
    expect(root.text).toBe("a<&>]]>b");
  });

  test("comments and processing instructions are skipped anywhere", () => {
    const root = parseXml(
      "<?xml version='1.0'?><!-- c1 --><?app data?><Tagging><!-- inside --><TagSet><Tag><Key>a<!-- x -->b</Key>" +
        "</Tag></TagSet></Tagging><!-- after -->\n<?pi?>\n",
    );
    expect(childText(child(child(root, "TagSet")!, "Tag")!, "Key")).toBe("ab");
  });

  test("CRLF and CR line ends become LF, but &#13; survives", () => {
    expect(parseXml("<K>a\r\nb\rc&#13;</K>").text).toBe("a\nb\nc\r");
  });

  test("Uint8Array and ArrayBuffer input, UTF-8 and BOM", () => {
    const bytes = new TextEncoder().encode("\uFEFF<Key>ü/日本/\u{1F600}</Key>");
    expect(parseXml(bytes).text).toBe("ü/日本/\u{1F600}");
    expect(parseXml(bytes.buffer as ArrayBuffer).text).toBe("ü/日本/\u{1F600}");
    expect(parseXml("\uFEFF<a/>").name).toBe("a");
  });

  test("round trip through xmlEscape for awkward keys", () => {
    const keys = ["a&b<c>d\"e'f", " lead", "trail ", "cr\rlf\n", "tab\t", "%2F..%2F", "ü + ß", "]]>"];
    const body = `<Delete>${keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join("")}</Delete>`;
    expect(children(parseXml(body), "Object").map((o) => childText(o, "Key"))).toEqual(keys);
  });

  test("mixed content keeps non-whitespace text of a parent", () => {
    const root = parseXml("<a> x <b/> y </a>");
    expect(root.text).toBe(" x  y ");
    expect(root.children.length).toBe(1);
  });
});

describe("parseXml: refusals", () => {
  const malformed: Record<string, string> = {
    empty: "",
    "only whitespace": "   \n",
    "only a declaration": '<?xml version="1.0"?>',
    "text only": "hello",
    "unclosed root": "<Delete><Object></Object>",
    "mismatched end tag": "<a><b></a></b>",
    "end tag prefix differs": "<x:a></y:a>",
    "stray end tag": "<a></a></b>",
    "two roots": "<a/><b/>",
    "text after root": "<a/>junk",
    "text before root": "junk<a/>",
    "cdata outside root": "<![CDATA[x]]><a/>",
    "unterminated comment": "<a><!-- x </a>",
    "unterminated cdata": "<a><![CDATA[x</a>",
    "unterminated tag": "<a",
    "unterminated attribute": '<a x="1></a>',
    "unquoted attribute": "<a x=1></a>",
    "attribute without value": "<a x></a>",
    "duplicate attribute": '<a x="1" x="2"/>',
    "no space between attributes": '<a x="1"y="2"/>',
    "lt in attribute": '<a x="<"/>',
    "bare ampersand": "<a>fish & chips</a>",
    "unterminated reference": "<a>&amp</a>",
    "undefined entity": "<a>&nbsp;</a>",
    "external entity reference": "<a>&xxe;</a>",
    "reference to NUL": "<a>&#0;</a>",
    "reference to a control character": "<a>&#x1;</a>",
    "reference to a surrogate": "<a>&#xD800;</a>",
    "reference beyond Unicode": "<a>&#x110000;</a>",
    "bad hex reference": "<a>&#xZZ;</a>",
    "literal control character": "<a>\u0001</a>",
    "literal NUL": "<a>\u0000</a>",
    "lone surrogate": "<a>\uD800</a>",
    "]]> in text": "<a>]]></a>",
    "declaration not at start": ' <?xml version="1.0"?><a/>',
    "second declaration": '<?xml version="1.0"?><a><?xml version="1.0"?></a>',
    "declaration without version": '<?xml encoding="UTF-8"?><a/>',
    "bad element name": "<1a/>",
    "empty local name": "<a:/>",
    "empty prefix": "<:a/>",
    "space before name": "< a/>",
    DOCTYPE: "<!DOCTYPE a><a/>",
    XXE: '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>',
    "billion laughs": '<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>',
    "ENTITY inside element": '<a><!ENTITY x "y"></a>',
    "other declaration": "<a><!ELEMENT a ANY></a>",
  };
  for (const [name, xml] of Object.entries(malformed)) {
    test(`${name} → MalformedXML`, () => {
      expect(errorCode(() => parseXml(xml))).toBe("MalformedXML");
    });
  }

  test("invalid UTF-8 bytes → MalformedXML", () => {
    const bytes = new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]);
    expect(errorCode(() => parseXml(bytes))).toBe("MalformedXML");
  });

  test("depth bound", () => {
    const nested = (n: number) => "<a>".repeat(n) + "</a>".repeat(n);
    expect(parseXml(nested(32)).name).toBe("a");
    expect(errorCode(() => parseXml(nested(33)))).toBe("MalformedXML");
    expect(errorCode(() => parseXml(`${"<a>".repeat(3)}<b/>${"</a>".repeat(3)}`, { maxDepth: 3 }))).toBe(
      "MalformedXML",
    );
    expect(parseXml(`${"<a>".repeat(2)}<b/>${"</a>".repeat(2)}`, { maxDepth: 3 }).name).toBe("a");
    // A deep document never overflows the call stack.
    expect(errorCode(() => parseXml(nested(100_000)))).toBe("MalformedXML");
  });

  test("size bound, in UTF-8 bytes, for strings and bytes", () => {
    const doc = `<a>${"x".repeat(100)}</a>`;
    expect(parseXml(doc, { maxBytes: doc.length }).text.length).toBe(100);
    expect(errorCode(() => parseXml(doc, { maxBytes: doc.length - 1 }))).toBe("MaxMessageLengthExceeded");
    const bytes = new TextEncoder().encode(doc);
    expect(errorCode(() => parseXml(bytes, { maxBytes: bytes.length - 1 }))).toBe("MaxMessageLengthExceeded");
    const wide = `<a>${"日".repeat(100)}</a>`; // 307 UTF-8 bytes, 107 UTF-16 units
    expect(errorCode(() => parseXml(wide, { maxBytes: 200 }))).toBe("MaxMessageLengthExceeded");
    expect(errorCode(() => parseXml(`<a>${"x".repeat(5 * 1024 * 1024)}</a>`))).toBe(
      "MaxMessageLengthExceeded",
    );
  });

  test("a DeleteObjects body with 1000 long keys parses within the default bound and quickly", () => {
    const key = "k/".repeat(500).slice(0, 1000);
    const body = `<Delete>${Array.from({ length: 1000 }, (_, i) => `<Object><Key>${key}${i}</Key></Object>`).join("")}</Delete>`;
    const started = performance.now();
    const root = parseXml(body);
    expect(children(root, "Object").length).toBe(1000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

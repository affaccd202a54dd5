import { describe, expect, test } from "bun:test";
import { headerText } from "../../src/lib/header-text.ts";
import { decodeRfc2047, encodeRfc2047 } from "../../src/lib/rfc2047.ts";

const latin1 = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));

describe("header values as text", () => {
  test("UTF-8 bytes handed over as Latin-1 characters are read as UTF-8", () => {
    expect(headerText(latin1("café ☕"))).toBe("café ☕");
    expect(headerText("plain")).toBe("plain");
  });

  test("bytes that are not UTF-8 stay as they came", () => {
    expect(headerText("caf\u00e9")).toBe("caf\u00e9");
  });
});

describe("RFC 2047", () => {
  test("B and Q words in UTF-8 and Latin-1; whitespace between words dropped", () => {
    expect(decodeRfc2047("=?UTF-8?B?Y2Fmw6k=?=")).toBe("café");
    expect(decodeRfc2047("=?utf-8?q?caf=C3=A9_cr=C3=A8me?=")).toBe("café crème");
    expect(decodeRfc2047("=?ISO-8859-1?Q?caf=E9?= =?UTF-8?B?IOKYlQ==?=")).toBe("café ☕");
    expect(decodeRfc2047("a =?UTF-8?B?w6k=?= b")).toBe("a é b");
  });

  test("what is not a valid word is kept", () => {
    expect(decodeRfc2047("=?nope?B?w6k=?=")).toBe("=?nope?B?w6k=?=");
    expect(decodeRfc2047("50% =? off")).toBe("50% =? off");
  });

  test("encoded only when not printable ASCII", () => {
    expect(encodeRfc2047("ascii only")).toBe("ascii only");
    expect(encodeRfc2047("café")).toBe("=?UTF-8?B?Y2Fmw6k=?=");
    expect(decodeRfc2047(encodeRfc2047("日本語 ☕"))).toBe("日本語 ☕");
  });
});

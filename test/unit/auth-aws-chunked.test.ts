import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { type AwsChunkedOptions, createAwsChunkedDecoder } from "../../src/auth/aws-chunked.ts";
import { AuthError } from "../../src/auth/errors.ts";
import { webSigV4Crypto } from "../../src/auth/sigv4-crypto.ts";
import type { ChunkSigningContext } from "../../src/auth/types.ts";

// ---- an independent test-side encoder (node:crypto) -----------------------------------------

const EMPTY = createHash("sha256").update("").digest("hex");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

function derive(secret: string, day: string, region: string, service: string): Buffer {
  let key: Buffer = createHmac("sha256", `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return key;
}

interface Signer {
  key: Buffer;
  amzDate: string;
  scope: string;
  seed: string;
}

async function contextOf(s: Signer): Promise<ChunkSigningContext> {
  const signingKey = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(s.key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return { signingKey, crypto: webSigV4Crypto, amzDate: s.amzDate, scope: s.scope, seedSignature: s.seed };
}

type Mode = "signed" | "signed-trailer" | "unsigned-trailer";

function encode(
  data: Uint8Array,
  mode: Mode,
  chunkSize: number,
  s: Signer,
  trailers: [string, string][] = [],
): Buffer {
  const parts: Buffer[] = [];
  let previous = s.seed;
  const chunkSig = (chunk: Uint8Array) => {
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${previous}\n${EMPTY}\n${sha256(chunk)}`;
    previous = createHmac("sha256", s.key).update(toSign).digest("hex");
    return previous;
  };
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(new Uint8Array(0));
  for (const chunk of chunks) {
    const size = chunk.length.toString(16);
    parts.push(
      Buffer.from(
        mode === "unsigned-trailer" ? `${size}\r\n` : `${size};chunk-signature=${chunkSig(chunk)}\r\n`,
      ),
    );
    if (chunk.length > 0) parts.push(Buffer.from(chunk), Buffer.from("\r\n"));
  }
  if (mode === "signed") {
    parts.push(Buffer.from("\r\n"));
  } else {
    let text = "";
    for (const [name, value] of trailers) {
      parts.push(Buffer.from(`${name}:${value}\r\n`));
      text += `${name}:${value}\n`;
    }
    if (mode === "signed-trailer") {
      const toSign = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${previous}\n${sha256(text)}`;
      parts.push(
        Buffer.from(
          `x-amz-trailer-signature:${createHmac("sha256", s.key).update(toSign).digest("hex")}\r\n`,
        ),
      );
    }
    parts.push(Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

// ---- feeding the decoder -------------------------------------------------------------------

type Split = "bytes" | number | "random";

function piecesOf(body: Uint8Array, split: Split, seed = 1): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let rand = seed;
  for (let i = 0; i < body.length; ) {
    rand = (rand * 1103515245 + 12345) & 0x7fffffff;
    const n = split === "bytes" ? 1 : split === "random" ? 1 + (rand % 9000) : split;
    pieces.push(body.slice(i, i + n));
    i += n;
  }
  return pieces;
}

interface Outcome {
  data?: Buffer;
  trailers?: Record<string, string>;
  error?: AuthError;
}

async function decode(
  body: Uint8Array,
  options: AwsChunkedOptions,
  split: Split = 4096,
  seed = 1,
): Promise<Outcome> {
  const { transform, trailers } = createAwsChunkedDecoder(options);
  const pieces = piecesOf(body, split, seed);
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  const out: Uint8Array[] = [];
  try {
    const reader = source.pipeThrough(transform).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.push(value);
    }
    return { data: Buffer.concat(out), trailers: await trailers };
  } catch (e) {
    if (!(e instanceof AuthError)) throw e;
    await expect(trailers).rejects.toBe(e);
    return { error: e };
  }
}

async function code(body: Uint8Array, options: AwsChunkedOptions, split: Split = 4096): Promise<string> {
  const outcome = await decode(body, options, split);
  return outcome.error?.code ?? "ok";
}

// ---- fixtures --------------------------------------------------------------------------------

const signer: Signer = {
  key: derive("test/secret+key", "20260101", "us-east-1", "s3"),
  amzDate: "20260101T120000Z",
  scope: "20260101/us-east-1/s3/aws4_request",
  seed: "a".repeat(64),
};
const DATA = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));
const CRC = "x-amz-checksum-crc32";

// ---- tests -----------------------------------------------------------------------------------

describe("AWS documentation vectors", () => {
  const docKey = derive("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  const doc = (seed: string): Signer => ({
    key: docKey,
    amzDate: "20130524T000000Z",
    scope: "20130524/us-east-1/s3/aws4_request",
    seed,
  });
  const A = Buffer.alloc(66_560, "a");
  const docBody = (sigs: string[], tail: string) =>
    Buffer.concat([
      Buffer.from(`10000;chunk-signature=${sigs[0]}\r\n`),
      A.subarray(0, 65_536),
      Buffer.from(`\r\n400;chunk-signature=${sigs[1]}\r\n`),
      A.subarray(65_536),
      Buffer.from(`\r\n0;chunk-signature=${sigs[2]}\r\n${tail}`),
    ]);
  const signedSigs = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  ];

  test("signed upload (66560 bytes in 65536-byte chunks), split at every byte", async () => {
    const body = docBody(signedSigs, "\r\n");
    expect(body.length).toBe(66_824);
    const options = {
      signing: await contextOf(doc("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")),
      trailer: false,
      decodedLength: 66_560,
    };
    for (const split of ["bytes", "random", 100_000] as const) {
      const outcome = await decode(body, options, split);
      expect(outcome.error).toBeUndefined();
      expect(outcome.data!.equals(A)).toBe(true);
    }
    // Our encoder reproduces the published signatures.
    expect(
      encode(
        A,
        "signed",
        65_536,
        doc("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"),
      ).equals(body),
    ).toBe(true);
  });

  test("signed upload with a signed CRC32C trailer", async () => {
    const sigs = [
      "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
      "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
      "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
    ];
    const tail =
      "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n";
    const signing = await contextOf(doc("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"));
    const outcome = await decode(
      docBody(sigs, tail),
      { signing, trailer: true, decodedLength: 66_560 },
      "random",
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.data!.equals(A)).toBe(true);
    expect(outcome.trailers).toEqual({ "x-amz-checksum-crc32c": "sOO8/Q==" });
    const changed = docBody(sigs, tail.replace("sOO8/Q==", "sOO8/A=="));
    expect(await code(changed, { signing, trailer: true })).toBe("SignatureDoesNotMatch");
    // Some clients put an empty line between the checksum and the signature.
    const variant = docBody(
      sigs,
      tail.replace("\r\nx-amz-trailer-signature", "\n\r\nx-amz-trailer-signature"),
    );
    expect(await code(variant, { signing, trailer: true })).toBe("ok");
  });
});

describe("round trips", () => {
  for (const split of ["bytes", "random", 1, 7, 8192, 1 << 20] as const) {
    test(`signed, split ${split}`, async () => {
      const data = split === "bytes" || split === 1 ? DATA.subarray(0, 3000) : DATA;
      const body = encode(data, "signed", 1000, signer);
      const outcome = await decode(
        body,
        { signing: await contextOf(signer), trailer: false, decodedLength: data.length },
        split,
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.data!.equals(data)).toBe(true);
      expect(outcome.trailers).toEqual({});
    });
  }

  test("signed with trailer, many random splits", async () => {
    const body = encode(DATA, "signed-trailer", 8192, signer, [
      [CRC, "AAAAAA=="],
      ["x-amz-checksum-sha256", "x+y/z="],
    ]);
    const signing = await contextOf(signer);
    for (let seed = 1; seed < 20; seed++) {
      const outcome = await decode(
        body,
        { signing, trailer: true, decodedLength: DATA.length },
        "random",
        seed,
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.data!.equals(DATA)).toBe(true);
      expect(outcome.trailers).toEqual({ [CRC]: "AAAAAA==", "x-amz-checksum-sha256": "x+y/z=" });
    }
    const bytewise = await decode(body.subarray(body.length - 9000), { signing, trailer: true }, "bytes");
    expect(bytewise.error?.code).toBe("InvalidRequest"); // starts mid-chunk: not a size line
  });

  test("unsigned with trailer, byte at a time and random", async () => {
    const body = encode(DATA, "unsigned-trailer", 4096, signer, [[CRC, "q83v7Q=="]]);
    for (const split of ["bytes", "random", 65536] as const) {
      const outcome = await decode(body, { trailer: true, decodedLength: DATA.length }, split);
      expect(outcome.error).toBeUndefined();
      expect(outcome.data!.equals(DATA)).toBe(true);
      expect(outcome.trailers).toEqual({ [CRC]: "q83v7Q==" });
    }
  });

  test("empty bodies", async () => {
    const signing = await contextOf(signer);
    expect(
      (
        await decode(encode(Buffer.alloc(0), "signed", 10, signer), {
          signing,
          trailer: false,
          decodedLength: 0,
        })
      ).data!.length,
    ).toBe(0);
    expect(
      (
        await decode(encode(Buffer.alloc(0), "unsigned-trailer", 10, signer), {
          trailer: true,
          decodedLength: 0,
        })
      ).data!.length,
    ).toBe(0);
  });

  test("tolerated endings: no closing CRLF after the final chunk or the last trailer", async () => {
    const unsigned = encode(DATA, "unsigned-trailer", 4096, signer);
    expect(await code(unsigned.subarray(0, unsigned.length - 2), { trailer: true })).toBe("ok");
    const withTrailer = encode(DATA, "unsigned-trailer", 4096, signer, [[CRC, "x"]]);
    expect(await code(withTrailer.subarray(0, withTrailer.length - 2), { trailer: true })).toBe("ok");
    const signed = encode(DATA, "signed", 4096, signer);
    expect(
      await code(signed.subarray(0, signed.length - 2), { signing: await contextOf(signer), trailer: false }),
    ).toBe("ok");
  });
});

describe("refusals", () => {
  const signedOptions = async (extra: Partial<AwsChunkedOptions> = {}): Promise<AwsChunkedOptions> => ({
    signing: await contextOf(signer),
    trailer: false,
    ...extra,
  });
  const signed = encode(DATA, "signed", 4096, signer);
  const text = signed.toString("latin1");
  const latin = (s: string) => Buffer.from(s, "latin1");

  test("bad size lines", async () => {
    const o = await signedOptions();
    expect(await code(latin(`zz${text}`), o)).toBe("InvalidRequest");
    expect(await code(latin(text.replace(/;chunk-signature=[0-9a-f]{64}/, "")), o)).toBe("InvalidRequest");
    expect(await code(latin(text.replace("\r\n", "\n")), o)).toBe("InvalidRequest");
    expect(await code(latin(text.replace("1000;", "-1000;")), o)).toBe("InvalidRequest");
    expect(await code(latin(`${"0".repeat(5000)}${text}`), o)).toBe("InvalidRequest");
    expect(await code(latin(text.replace("1000;", "10000001;")), o)).toBe("InvalidRequest"); // > 16 MiB
    expect(await code(signed, await signedOptions({ maxChunkSize: 4095 }))).toBe("InvalidRequest");
    const unsigned = encode(DATA, "unsigned-trailer", 4096, signer).toString("latin1");
    expect(await code(latin(unsigned.replace("1000\r\n", "1g00\r\n")), { trailer: true })).toBe(
      "InvalidRequest",
    );
  });

  test("data not followed by CRLF", async () => {
    const first = text.indexOf("\r\n", text.indexOf("\r\n") + 2 + 4096 - 1);
    const broken = Buffer.from(signed);
    broken[first] = 0x41;
    expect(await code(broken, await signedOptions(), "bytes")).toBe("InvalidRequest");
  });

  test("bad chunk signatures", async () => {
    const o = await signedOptions();
    const sigs = [...text.matchAll(/chunk-signature=([0-9a-f]{64})/g)].map((m) => m[1]!);
    for (const index of [0, 5, sigs.length - 1]) {
      const sig = sigs[index]!;
      const other = `${sig.slice(0, 63)}${sig.endsWith("0") ? "1" : "0"}`;
      expect(await code(latin(text.replace(sig, other)), o, "random")).toBe("SignatureDoesNotMatch");
    }
    const flipped = Buffer.from(signed);
    flipped[10_000] = (flipped[10_000]! ^ 1) & 0xff;
    expect(await code(flipped, o, "bytes")).toBe("SignatureDoesNotMatch");
    // Two whole chunks traded places: each signature is valid alone, only the chain refuses them.
    const [head, a, b, ...rest] = text.split(/(?=1000;chunk-signature=)/);
    expect(await code(latin([head, b, a, ...rest].join("")), o)).toBe("SignatureDoesNotMatch");
    expect(await code(signed, { ...o, signing: { ...o.signing!, seedSignature: "b".repeat(64) } })).toBe(
      "SignatureDoesNotMatch",
    );
  });

  test("truncated bodies are IncompleteBody", async () => {
    const o = await signedOptions();
    for (const end of [0, 1, 50, 2000, text.lastIndexOf("0;chunk-signature="), signed.length - 3]) {
      if (end === 0) continue;
      expect(`${end}: ${await code(signed.subarray(0, end), o)}`).toBe(`${end}: IncompleteBody`);
    }
    const unsigned = encode(DATA, "unsigned-trailer", 4096, signer, [[CRC, "abc"]]);
    const inTrailer = unsigned.toString("latin1").indexOf(CRC) + 5;
    expect(await code(unsigned.subarray(0, inTrailer), { trailer: true })).toBe("IncompleteBody");
  });

  test("extra bytes after the end", async () => {
    expect(await code(Buffer.concat([signed, Buffer.from("x")]), await signedOptions())).toBe(
      "InvalidRequest",
    );
    const unsigned = encode(DATA, "unsigned-trailer", 4096, signer, [[CRC, "abc"]]);
    expect(await code(Buffer.concat([unsigned, Buffer.from("\r\n")]), { trailer: true })).toBe(
      "InvalidRequest",
    );
    // A trailer where none was announced.
    const withTrailer = latin(text.replace(/\r\n\r\n$/, `\r\n${CRC}:abc\r\n\r\n`));
    expect(await code(withTrailer, await signedOptions())).toBe("InvalidRequest");
  });

  test("signed trailers: bad signature, missing signature, malformed lines", async () => {
    const o = await signedOptions({ trailer: true });
    const body = encode(DATA, "signed-trailer", 4096, signer, [[CRC, "AAAAAA=="]]).toString("latin1");
    expect(await code(latin(body), o)).toBe("ok");
    expect(await code(latin(body.replace("AAAAAA==", "AAAAAB==")), o)).toBe("SignatureDoesNotMatch");
    const sig = /x-amz-trailer-signature:([0-9a-f]{64})/.exec(body)![1]!;
    expect(await code(latin(body.replace(sig, "0".repeat(64))), o)).toBe("SignatureDoesNotMatch");
    expect(await code(latin(body.replace(sig, "xyz")), o)).toBe("MalformedTrailerError");
    expect(await code(latin(body.replace(/x-amz-trailer-signature:[0-9a-f]{64}\r\n/, "")), o)).toBe(
      "MalformedTrailerError",
    );
    expect(await code(latin(body.replace(`${CRC}:`, `${CRC}`)), o)).toBe("MalformedTrailerError");
    const after = body.replace(/\r\n\r\n$/, "\r\nx-amz-meta:late\r\n\r\n");
    expect(await code(latin(after), o)).toBe("MalformedTrailerError");
    // The trailer section is missing altogether.
    const bare = body.slice(0, body.indexOf(CRC));
    expect(await code(latin(bare), o)).toBe("MalformedTrailerError");
    expect(await code(latin(`${bare}\r\n`), o)).toBe("MalformedTrailerError");
    expect(await code(latin(body.replace(`${CRC}:AAAAAA==`, "x".repeat(20_000))), o)).toBe(
      "MalformedTrailerError",
    );
  });

  test("decoded length must match", async () => {
    expect(await code(signed, await signedOptions({ decodedLength: DATA.length + 1 }))).toBe(
      "IncompleteBody",
    );
    expect(await code(signed, await signedOptions({ decodedLength: DATA.length - 1 }))).toBe(
      "IncompleteBody",
    );
    const unsigned = encode(DATA, "unsigned-trailer", 4096, signer);
    expect(await code(unsigned, { trailer: true, decodedLength: 0 })).toBe("IncompleteBody");
  });
});

import { describe, expect, test } from "bun:test";
import { crc32c, createCrc32c, createCrc64Nvme } from "../../src/lib/crc.ts";
import { createChecksummer } from "../../src/storage/objects/hashing.ts";

const hex = (u: Uint8Array) => Buffer.from(u).toString("hex");
const check = new TextEncoder().encode("123456789");

describe("CRC implementations", () => {
  test("standard check values", () => {
    const a = createCrc32c();
    a.update(check);
    expect(hex(a.digest())).toBe("e3069283");
    expect(crc32c(check)).toBe(0xe3069283);
    const b = createCrc64Nvme();
    b.update(check);
    expect(hex(b.digest())).toBe("ae8b14860a799888");
  });

  test("chunked updates equal one update, for every split", () => {
    const data = crypto.getRandomValues(new Uint8Array(200));
    const whole32 = createCrc32c();
    whole32.update(data);
    const whole64 = createCrc64Nvme();
    whole64.update(data);
    for (let split = 0; split <= data.length; split += 7) {
      const p32 = createCrc32c();
      p32.update(data.subarray(0, split));
      p32.update(data.subarray(split));
      expect(hex(p32.digest())).toBe(hex(whole32.digest()));
      expect(crc32c(data.subarray(split), crc32c(data.subarray(0, split)))).toBe(crc32c(data));
      const p64 = createCrc64Nvme();
      p64.update(data.subarray(0, split));
      p64.update(data.subarray(split));
      expect(hex(p64.digest())).toBe(hex(whole64.digest()));
    }
  });

  test("checksummers return base64 of the big-endian digest", () => {
    const expected: Record<string, string> = {
      CRC32: "y/Q5Jg==", // 0xcbf43926
      CRC32C: "4waSgw==", // 0xe3069283
      CRC64NVME: "rosUhgp5mIg=", // 0xae8b14860a799888
      SHA1: Buffer.from("f7c3bc1d808e04732adf679965ccc34ca7ae3441", "hex").toString("base64"),
      SHA256: Buffer.from("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225", "hex").toString(
        "base64",
      ),
    };
    for (const [alg, value] of Object.entries(expected)) {
      const c = createChecksummer(alg as "CRC32");
      c.update(check.subarray(0, 4));
      c.update(check.subarray(4));
      expect(c.digestBase64()).toBe(value);
    }
  });
});

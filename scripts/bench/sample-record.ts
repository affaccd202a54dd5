import { encodeRecord } from "../../src/storage/metadata/record.ts";

/**
 * The metadata record of a 4 KiB PutObject with the SDK's defaults (Content-Type and CRC32), in
 * the form s3dir writes it on a new root (compact), for the benchmarks that replay its calls.
 */
export const sdkPutRecord = encodeRecord(
  {
    v: 1,
    s: 4096,
    m: "1765000000123456789",
    i: "123456",
    e: "0123456789abcdef0123456789abcdef",
    h: { ct: "application/octet-stream" },
    k: { algorithm: "CRC32", value: "W9a2Vw==", type: "FULL_OBJECT" },
  },
  true,
);

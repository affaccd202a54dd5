/**
 * Real clients uploading in parts with their default behaviour: `aws s3 cp` of a 100 MiB file,
 * boto3 `upload_file` with a 5 MiB threshold for each checksum algorithm botocore can compute
 * here, and @aws-sdk/lib-storage `Upload`. Every download is byte-compared with what was sent.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { aws, bytes, expectOk, py, useHost } from "../helpers/index.ts";

setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
const { server, s3, bucket } = useHost({ bucket: "mpu-clients", args: ["--fsync", "off"] });
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "s3dir-mpu-clients-"));
});
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
});

/** Writes `size` deterministic bytes to a file, 1 MiB at a time; returns its MD5. */
function writeFile(path: string, size: number, seed: number): string {
  const hash = createHash("md5");
  const fd = openSync(path, "w");
  try {
    for (let done = 0, i = 0; done < size; i++) {
      const block = bytes(Math.min(MiB, size - done), seed + i);
      writeSync(fd, block);
      hash.update(block);
      done += block.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

const md5File = (path: string) => createHash("md5").update(readFileSync(path)).digest("hex");

describe("AWS CLI", () => {
  test("aws s3 cp of a 100 MiB file up (multipart, default checksum) and down, byte-compared", async () => {
    const source = join(work, "big.bin");
    const sent = writeFile(source, 100 * MiB, 1000);
    expectOk(
      await aws(server, ["s3", "cp", source, `s3://${bucket}/cli/big.bin`, "--only-show-errors"], {
        timeoutMs: 120_000,
      }),
    );
    const head = expectOk(
      await aws(server, [
        "s3api",
        "head-object",
        "--bucket",
        bucket,
        "--key",
        "cli/big.bin",
        "--checksum-mode",
        "ENABLED",
      ]),
    ) as Record<string, unknown>;
    expect(head.ContentLength).toBe(100 * MiB);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-\d+"$/);
    const back = join(work, "big.back");
    expectOk(
      await aws(server, ["s3", "cp", `s3://${bucket}/cli/big.bin`, back, "--only-show-errors"], {
        timeoutMs: 120_000,
      }),
    );
    expect(md5File(back)).toBe(sent);
    rmSync(back);
    rmSync(source);
  });
});

describe("boto3", () => {
  test("upload_file with a 5 MiB threshold, for each checksum algorithm; download_file byte-compared", async () => {
    const source = join(work, "boto.bin");
    const sent = writeFile(source, 11 * MiB + 12_345, 2000);
    const result = expectOk(
      await py(
        server,
        `
        import hashlib
        from boto3.s3.transfer import TransferConfig
        from botocore.compat import HAS_CRT
        cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
        algorithms = [None, "CRC32", "SHA1", "SHA256"] + (["CRC32C", "CRC64NVME"] if HAS_CRT else [])
        results = {"crt": HAS_CRT}
        for alg in algorithms:
            key = "boto/" + (alg or "default")
            extra = {"ChecksumAlgorithm": alg} if alg else {}
            s3.upload_file(os.environ["SOURCE"], os.environ["BUCKET"], key, ExtraArgs=extra, Config=cfg)
            head = s3.head_object(Bucket=os.environ["BUCKET"], Key=key, ChecksumMode="ENABLED")
            back = os.environ["SOURCE"] + ".back"
            s3.download_file(os.environ["BUCKET"], key, back, Config=cfg)
            with open(back, "rb") as f:
                md5 = hashlib.md5(f.read()).hexdigest()
            os.remove(back)
            sums = {k: v for k, v in head.items() if k.startswith("Checksum")}
            results[alg or "default"] = {"etag": head["ETag"], "md5": md5, "checksums": sums}
        out(results)
        `,
        { env: { SOURCE: source, BUCKET: bucket }, timeoutMs: 120_000 },
      ),
    ) as Record<string, { etag: string; md5: string; checksums: Record<string, string> }> & { crt: boolean };
    const algorithms = ["CRC32", "SHA1", "SHA256", ...(result.crt ? ["CRC32C", "CRC64NVME"] : [])];
    for (const name of ["default", ...algorithms]) {
      const r = result[name]!;
      expect([name, r.md5]).toEqual([name, sent]);
      expect(r.etag).toMatch(/-3"$/);
    }
    for (const alg of algorithms) {
      const r = result[alg]!;
      expect(r.checksums.ChecksumType).toBe(alg === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE");
      expect(r.checksums[`Checksum${alg}`]).toBeString();
    }
    rmSync(source);
  });
});

describe("@aws-sdk/lib-storage", () => {
  const data = bytes(12 * MiB + 7, 3000);

  test("Upload with the SDK's default checksum, 4 parts in flight", async () => {
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: "lib/default.bin", Body: data, ContentType: "application/x-lib" },
      partSize: 5 * MiB,
      queueSize: 4,
    });
    const done = await upload.done();
    expect(done.ETag).toMatch(/-3"$/);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "lib/default.bin", ChecksumMode: "ENABLED" }),
    );
    expect(head.ContentType).toBe("application/x-lib");
    expect(head.ChecksumType).toBe("COMPOSITE");
    expect(head.ChecksumCRC32).toMatch(/-3$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "lib/default.bin" }));
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.from(data))).toBe(0);
  });

  test("Upload of a stream of unknown length with CRC64NVME (full object)", async () => {
    const chunks = Array.from({ length: 13 }, (_, i) =>
      data.subarray(i * MiB, Math.min(data.length, (i + 1) * MiB)),
    );
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: "lib/stream.bin",
        Body: Readable.from(chunks),
        ChecksumAlgorithm: "CRC64NVME",
      },
      partSize: 5 * MiB,
      queueSize: 2,
    });
    await upload.done();
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "lib/stream.bin", ChecksumMode: "ENABLED" }),
    );
    expect(got.ChecksumType).toBe("FULL_OBJECT");
    expect(got.ChecksumCRC64NVME).toBeString();
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.from(data))).toBe(0);
  });
});

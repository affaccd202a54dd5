/** Hosts built in the test process (src/host/): they serve, and close() gives back what they took. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { needsProcess, s3Client, startHost } from "../helpers/index.ts";

const root = mkdtempSync(join(tmpdir(), "s3dir-hosts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("createHost in one process", () => {
  test.skipIf(needsProcess({}))(
    "hosts built and closed one after another on one root release the writer lease and the audit spool",
    async () => {
      for (let i = 0; i < 8; i++) {
        const server = await startHost({ root, env: { S3DIR_HOST_ID: "same-host" } });
        const s3 = s3Client(server);
        try {
          if (i === 0) await s3.send(new CreateBucketCommand({ Bucket: "reused" }));
          await s3.send(new PutObjectCommand({ Bucket: "reused", Key: `k${i}`, Body: `round ${i}` }));
          const got = await s3.send(new GetObjectCommand({ Bucket: "reused", Key: `k${i}` }));
          expect(await got.Body!.transformToString()).toBe(`round ${i}`);
        } finally {
          s3.destroy();
          await server.stop();
        }
        // A spool still locked by an earlier host would send this one to `same-host~<pid>`.
        expect(readdirSync(join(root, ".s3dir", "audit", "spool"))).toEqual(["same-host"]);
      }
      expect(readdirSync(join(root, ".s3dir", "writers"))).toEqual([]);
    },
  );

  test.skipIf(needsProcess({}))(
    "two hosts on one root share the lease until the last one closes; stop() drains, then logs stopped",
    async () => {
      const [a, b] = await Promise.all([startHost({ root }), startHost({ root })]);
      expect(readdirSync(join(root, ".s3dir", "writers"))).toHaveLength(1);
      await a!.stop();
      expect(readdirSync(join(root, ".s3dir", "writers"))).toHaveLength(1);
      expect((await fetch(`${b!.endpoint}/health/ready`)).status).toBe(200);
      await b!.stop();
      expect(readdirSync(join(root, ".s3dir", "writers"))).toEqual([]);
      const messages = a!.accessLog().map((line) => line.msg);
      expect(messages).toContain("listening");
      expect(messages.indexOf("shutting down")).toBeLessThan(messages.indexOf("stopped"));
      await expect(fetch(`${a!.endpoint}/health/live`)).rejects.toThrow();
    },
  );
});

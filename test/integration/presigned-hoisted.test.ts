import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { errorCodeOf, objectPath, presignUrl, signedFetch, useHost, xmlValue } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "hoist" });

describe("x-amz-* parameters of a presigned URL taken as headers", () => {
  test("a name or value no header can carry → 400 InvalidArgument naming it, nothing stored", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "kept.txt", Body: "kept" }));
    const cases: Record<string, string>[] = [
      { "x-amz-meta-c d": "1" },
      { "x-amz-meta-c:d": "1" },
      { "x-amz-meta-note": "a\nb" },
      { "x-amz-meta-price": "5 €" },
    ];
    for (const query of cases) {
      const [name, value] = Object.entries(query)[0]!;
      for (const [method, key] of [
        ["GET", "kept.txt"],
        ["PUT", "new.txt"],
      ] as const) {
        const url = await presignUrl(server, objectPath(bucket, key), { method, query, expiresIn: 120 });
        const res = await fetch(url, { method, body: method === "PUT" ? "body" : undefined });
        const xml = await res.text();
        expect({ method, name, status: res.status, code: errorCodeOf(xml) }).toEqual({
          method,
          name,
          status: 400,
          code: "InvalidArgument",
        });
        expect(xmlValue(xml, "ArgumentName")).toBe(name);
        expect(xmlValue(xml, "ArgumentValue")).toBe(value);
      }
    }
    expect((await signedFetch(server, objectPath(bucket, "new.txt"), { method: "HEAD" })).status).toBe(404);
    const kept = await signedFetch(server, objectPath(bucket, "kept.txt"));
    expect(await kept.text()).toBe("kept");
  });
});

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { compatibilityDoc, operationsBlock, withOperationsBlock } from "../../scripts/gen-compatibility.ts";
import type { Route } from "../../src/s3/route.ts";
import { routes } from "../../src/s3/routes.ts";

describe("docs/compatibility.md", () => {
  test("lists the operations of the route table (bun scripts/gen-compatibility.ts rewrites it)", () => {
    const doc = readFileSync(compatibilityDoc, "utf8");
    expect(withOperationsBlock(doc)).toBe(doc);
  });

  test("one line per row, with the requests that select it and its IAM action", () => {
    const copy = routes.find((r) => r.operation === "UploadPartCopy")!;
    const block = operationsBlock([copy, routes.find((r) => r.operation === "ListBuckets")!]);
    expect(block.split("\n").slice(3, -1)).toEqual([
      `| UploadPartCopy | \`PUT /bucket/key?uploadId\` with \`x-amz-copy-source\` | supported | \`s3:PutObject\` | ${copy.notes} |`,
      expect.stringMatching(
        /^\| ListBuckets \| `GET \/`, `HEAD \/` \| supported \| `s3:ListAllMyBuckets` \| /,
      ),
    ]);
  });

  test("a row added to the table makes the document out of date", () => {
    const doc = readFileSync(compatibilityDoc, "utf8");
    const added: Route = {
      operation: "GetObjectTagging",
      method: "GET",
      scope: "object",
      sub: "tagging",
      action: "s3:GetObjectTagging",
      handler: async () => new Response(null),
      status: "supported",
      notes: "",
    };
    expect(withOperationsBlock(doc, operationsBlock([...routes, added]))).not.toBe(doc);
  });
});

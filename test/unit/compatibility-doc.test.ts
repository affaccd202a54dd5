import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as sdk from "@aws-sdk/client-s3";
import {
  compatibilityDoc,
  operationsBlock,
  unservedBlock,
  withOperationsBlock,
  withUnservedBlock,
} from "../../scripts/gen-compatibility.ts";
import type { Route } from "../../src/s3/route.ts";
import { unservedOperations } from "../../src/s3/routes/unserved-operations.ts";
import { routes } from "../../src/s3/routes.ts";

/** Operations of the SDK's model that are the same request as one in the route table. */
const answeredAsAnother = ["ListDirectoryBuckets"];

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

  test("lists the operations not answered (bun scripts/gen-compatibility.ts rewrites them)", () => {
    const doc = readFileSync(compatibilityDoc, "utf8");
    expect(withUnservedBlock(doc)).toBe(doc);
    const fewer = unservedOperations.filter((op) => op.operation !== "GetObjectTorrent");
    expect(withUnservedBlock(doc, unservedBlock(fewer))).not.toBe(doc);
  });

  test("one line per sub-resource, with its operations and requests", () => {
    const block = unservedBlock(
      unservedOperations.filter((op) => op.sub === "website" || op.sub === "select"),
    );
    expect(block.split("\n").slice(3, -1)).toEqual([
      "| GetBucketWebsite, PutBucketWebsite, DeleteBucketWebsite | `GET /bucket?website`, `PUT /bucket?website`, `DELETE /bucket?website` |  |",
      "| SelectObjectContent | `POST /bucket/key?select&select-type=2` |  |",
    ]);
  });

  test("no operation is both answered and not answered", () => {
    const answered = new Set<string>(routes.map((r) => r.operation));
    expect(unservedOperations.filter((op) => answered.has(op.operation))).toEqual([]);
  });

  test("every operation of the AWS SDK's S3 client is answered, answered as another, or not answered", () => {
    const known = new Set<string>([
      ...routes.map((r) => r.operation),
      ...unservedOperations.map((op) => op.operation),
      ...answeredAsAnother,
    ]);
    const commands = Object.keys(sdk)
      .filter((name) => /^[A-Z][A-Za-z0-9]+Command$/.test(name) && name !== "Command")
      .map((name) => name.slice(0, -"Command".length));
    expect(commands.length).toBeGreaterThan(100);
    expect(commands.filter((operation) => !known.has(operation))).toEqual([]);
  });
});

/**
 * The edge's Query API refusals (src/edge/query-api.ts) are in the namespace of the service the
 * form names, or, for a form refused before it was read, of the service its signature is scoped to.
 */
import { expect, test } from "bun:test";
import { queryRefusal } from "../../src/edge/query-api.ts";
import { S3Error } from "../../src/s3/errors.ts";
import { queryNamespaces } from "../../src/s3/query/query-xml.ts";

const tooLarge = new S3Error("EntityTooLarge", "too large");
const scoped = (service: string) =>
  new Headers({
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
  });
const namespaceOf = async (response: Response) => /xmlns="([^"]+)"/.exec(await response.text())?.[1];

test("the form's Version decides the service", async () => {
  const refused = queryRefusal(tooLarge, "Action=ListUsers&Version=2010-05-08", {
    headers: scoped("sts"),
    query: "",
  });
  expect(await namespaceOf(refused)).toBe(queryNamespaces.iam);
  expect(refused.status).toBe(400);
  expect(refused.headers.get("x-s3dir-edge")).toBe("refused");
});

test("a form not read is answered for the service of its signature's scope (header or query)", async () => {
  expect(await namespaceOf(queryRefusal(tooLarge, "", { headers: scoped("iam"), query: "" }))).toBe(
    queryNamespaces.iam,
  );
  expect(await namespaceOf(queryRefusal(tooLarge, "", { headers: scoped("sts"), query: "" }))).toBe(
    queryNamespaces.sts,
  );
  const presigned = "X-Amz-Credential=AKIDEXAMPLE%2F20261206%2Fus-east-1%2Fiam%2Faws4_request";
  expect(await namespaceOf(queryRefusal(tooLarge, "", { headers: new Headers(), query: presigned }))).toBe(
    queryNamespaces.iam,
  );
  expect(await namespaceOf(queryRefusal(tooLarge, "", { headers: new Headers(), query: "" }))).toBe(
    queryNamespaces.sts,
  );
});

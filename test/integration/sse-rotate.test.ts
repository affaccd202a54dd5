import { expect, setDefaultTimeout, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { newCustomerKey, s3dirCli, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "rot", args: ["--allow-sse-c-over-http", "on"] });
const ssec = newCustomerKey().params;

const ring = () =>
  (
    JSON.parse(readFileSync(`${server.root}/.s3dir/sse/keys.json`, "utf8")) as { keys: { id: string }[] }
  ).keys.map((k) => k.id);
const digest = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

async function text(key: string, extra = {}) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return await got.Body!.transformToString();
}

test("master key rotation rewraps data keys; old objects stay readable; unused keys are dropped", async () => {
  const big = Buffer.from(randomBytes(3 << 20)).toString("hex");
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "a.txt", Body: "alpha", ServerSideEncryption: "AES256" }),
  );
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "deep/b.txt", Body: big, ServerSideEncryption: "AES256" }),
  );
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c.txt", Body: "customer", ...ssec }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "p.txt", Body: "plain" }));
  const [first] = ring();
  const before = digest(`${server.root}/${bucket}/deep/b.txt`);
  const inode = statSync(`${server.root}/${bucket}/deep/b.txt`).ino;

  // Default grace: the retired key stays for uploads in flight.
  const r1 = await s3dirCli(server.root, "master-key", "rotate", "--json");
  expect(r1.code).toBe(0);
  const out1 = JSON.parse(r1.stdout) as {
    current: string;
    rewrapped: number;
    dropped: string[];
    kept: string[];
  };
  expect(out1.rewrapped).toBe(2);
  expect(out1.dropped).toEqual([]);
  expect(ring()).toEqual([out1.current, first!]);
  expect(await text("a.txt")).toBe("alpha");
  expect(await text("deep/b.txt")).toBe(big);
  expect(await text("c.txt", ssec)).toBe("customer");
  // Only the record changed: same bytes, same inode.
  expect(digest(`${server.root}/${bucket}/deep/b.txt`)).toBe(before);
  expect(statSync(`${server.root}/${bucket}/deep/b.txt`).ino).toBe(inode);

  // Without grace, keys no object uses are dropped; running again is harmless.
  const r2 = await s3dirCli(server.root, "master-key", "rotate", "--grace", "0", "--json");
  expect(r2.code).toBe(0);
  const out2 = JSON.parse(r2.stdout) as { current: string; rewrapped: number; dropped: string[] };
  expect(out2.rewrapped).toBe(2);
  expect(out2.dropped.sort()).toEqual([first!, out1.current].sort());
  expect(ring()).toEqual([out2.current]);
  expect(await text("a.txt")).toBe("alpha");
  expect(await text("deep/b.txt")).toBe(big);
  expect(await text("p.txt")).toBe("plain");

  // Writes after the rotation use the new key (the server re-reads the ring within a second).
  await Bun.sleep(1100);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "new.txt", Body: "new", ServerSideEncryption: "AES256" }),
  );
  const r3 = await s3dirCli(server.root, "master-key", "rotate", "--grace", "0", "--json");
  const out3 = JSON.parse(r3.stdout) as { rewrapped: number; current: string };
  expect(out3.rewrapped).toBe(3);
  expect(ring()).toEqual([out3.current]);
  expect(await text("new.txt")).toBe("new");
  const list = await s3dirCli(server.root, "master-key", "list");
  expect(list.stdout).toContain(`${out3.current}\tcurrent`);
});

import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { newFileAsync } from "../../src/runtime/fs-threads.ts";
import { runNewFileJob } from "../../src/runtime/new-file-job.ts";
import { fGetXattr } from "../../src/runtime/xattr.ts";
import { decodeRecord, encodeRecord, makeRecord, recordPieces } from "../../src/storage/metadata/record.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(`${os.tmpdir()}/s3dir-newfile-`);
  dirs.push(d);
  return d;
}

const identity = { size: 4096, mtimeNs: "1765000000123456789", ino: "918273" };
const attributes = {
  contentType: 'text/plain; charset="utf-8"',
  userMetadata: { "naïve-key": "välue \u2603" },
  tags: [{ key: "k", value: "v" }],
};

describe("a record's pieces around its identity", () => {
  test("with the identity between them they spell the record's encoding", () => {
    const pieces = recordPieces(makeRecord({ size: 0, mtimeNs: "", ino: "" }, "etag1", attributes));
    const text = `${pieces[0]}${identity.size}${pieces[1]}${identity.mtimeNs}${pieces[2]}${identity.ino}${pieces[3]}`;
    expect(text).toBe(new TextDecoder().decode(encodeRecord(makeRecord(identity, "etag1", attributes))));
  });
});

describe("a new file published by one job", () => {
  const record = makeRecord({ size: 0, mtimeNs: "", ino: "" }, "etag2", attributes);
  const job = (dir: string, name: string) => ({
    tempPath: `${dir}/tmp-${name}`,
    target: `${dir}/${name}`,
    data: new Uint8Array(4096).fill(7),
    mode: 0o666,
    attribute: { name: "user.s3dir", pieces: recordPieces(record) },
    fsync: false,
  });

  test("lands under its name with its bytes and a record of its own identity, on a worker", async () => {
    const dir = tempDir();
    const id = await newFileAsync(job(dir, "a"));
    const fd = fs.openSync(`${dir}/a`, "r");
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      expect(id).toEqual({ size: 4096, mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() });
      const rec = decodeRecord(fGetXattr(fd, "user.s3dir"));
      expect(rec).toEqual(
        makeRecord(
          { size: 4096, mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() },
          "etag2",
          attributes,
        ),
      );
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(`${dir}/a`)).toEqual(Buffer.alloc(4096, 7));
    expect(fs.readdirSync(dir)).toEqual(["a"]);
  });

  test("a refused rename leaves no file behind and the target untouched", () => {
    const dir = tempDir();
    fs.mkdirSync(`${dir}/b`);
    fs.writeFileSync(`${dir}/b/inside`, "object below");
    expect(() => runNewFileJob(job(dir, "b"))).toThrow();
    expect(fs.readdirSync(dir)).toEqual(["b"]);
    expect(fs.readFileSync(`${dir}/b/inside`, "utf8")).toBe("object below");
  });

  test("a temp name that exists is refused and not overwritten", () => {
    const dir = tempDir();
    fs.writeFileSync(`${dir}/tmp-c`, "someone else's");
    expect(() => runNewFileJob(job(dir, "c"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(fs.readdirSync(dir)).toEqual(["tmp-c"]);
    expect(fs.readFileSync(`${dir}/tmp-c`, "utf8")).toBe("someone else's");
  });
});

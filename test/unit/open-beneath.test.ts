import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { fsOps } from "../../src/runtime/fs-ops.ts";
import { openBeneathAsync } from "../../src/runtime/fs-threads.ts";
import { openBeneath, openBeneathRoot } from "../../src/runtime/open-beneath.ts";
import { Layout, openVerified } from "../../src/storage/layout/paths.ts";

const dirs: string[] = [];
const fds: number[] = [];
afterAll(() => {
  for (const fd of fds) fs.closeSync(fd);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tree() {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-beneath-`);
  dirs.push(root);
  fs.mkdirSync(`${root}/b/d`, { recursive: true });
  fs.writeFileSync(`${root}/b/d/f`, "x");
  fs.symlinkSync(`${root}/b/d`, `${root}/b/linkdir`);
  fs.symlinkSync("f", `${root}/b/d/relative-link`);
  fs.symlinkSync("/etc/passwd", `${root}/b/absolute-link`);
  const fd = openBeneathRoot(root);
  if (fd !== undefined) fds.push(fd);
  return { root, fd };
}

const codeOf = (run: () => unknown) => {
  try {
    run();
    return "opened";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
};

describe("openat2 beneath the root", () => {
  test("opens a plain path and refuses every symlink and escape", () => {
    const { fd } = tree();
    // Kernels without openat2 (before 5.6) take the open + readlink path instead.
    if (fd === undefined) return;
    const opened = openBeneath(fd, "b/d/f", fs.constants.O_RDONLY)!;
    expect(fs.readFileSync(opened, "utf8")).toBe("x");
    fs.closeSync(opened);
    expect(codeOf(() => openBeneath(fd, "b/linkdir/f", 0))).toBe("ELOOP");
    expect(codeOf(() => openBeneath(fd, "b/d/relative-link", 0))).toBe("ELOOP");
    expect(codeOf(() => openBeneath(fd, "b/absolute-link", 0))).toBe("ELOOP");
    expect(codeOf(() => openBeneath(fd, "b/../../etc/passwd", 0))).toBe("EXDEV");
    expect(codeOf(() => openBeneath(fd, "b/missing", 0))).toBe("ENOENT");
    expect(codeOf(() => openBeneath(fd, "b/d/f/x", 0))).toBe("ENOTDIR");
  });
});

describe("openat2 beneath the root, off the event loop (network filesystems)", () => {
  const codeOfAsync = (p: Promise<unknown>) =>
    p.then(
      () => "opened",
      (e) => (e as NodeJS.ErrnoException).code,
    );

  test("the worker opens a plain path and refuses every symlink and escape", async () => {
    const { fd } = tree();
    if (fd === undefined) return;
    const opened = (await openBeneathAsync(fd, "b/d/f", fs.constants.O_RDONLY))!;
    expect(fs.readFileSync(opened, "utf8")).toBe("x");
    fs.closeSync(opened);
    const codes = await Promise.all(
      [
        "b/linkdir/f",
        "b/d/relative-link",
        "b/absolute-link",
        "b/../../etc/passwd",
        "b/missing",
        "b/d/f/x",
      ].map((p) => codeOfAsync(openBeneathAsync(fd, p, 0))),
    );
    expect(codes).toEqual(["ELOOP", "ELOOP", "ELOOP", "EXDEV", "ENOENT", "ENOTDIR"]);
  });

  test("a verified open with the async calls reads the file and never follows a link", async () => {
    const { root } = tree();
    const layout = new Layout(root);
    const ops = fsOps(false);
    const ok = await openVerified(ops, `${root}/b/d/f`, fs.constants.O_RDONLY, layout);
    expect(ok.ok).toBe(true);
    if (ok.ok) {
      expect(ok.st.isFile()).toBe(true);
      await ops.close(ok.fd);
    }
    for (const path of [`${root}/b/linkdir/f`, `${root}/b/absolute-link`]) {
      const r = await openVerified(ops, path, fs.constants.O_RDONLY, layout).catch((e) => e.code);
      expect(r === "ELOOP" || (typeof r === "object" && !r.ok)).toBe(true);
    }
  });
});

import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { openBeneath, openBeneathRoot } from "../../src/runtime/open-beneath.ts";

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

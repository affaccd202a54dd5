import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";

/** Whether a root sits on an encrypted filesystem or device, and what was checked to say so. */
export interface RootEncryption {
  encrypted: boolean;
  method?: "fscrypt" | "dm-crypt";
  /** One line per check, for logs and error messages. */
  checked: string[];
}

/** The ext4/f2fs per-inode "encrypted" flag, as lsattr prints it ("E"). */
function lsattrFlags(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("lsattr", ["-d", dir], { timeout: 3000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.trim().split(/\s+/)[0]);
    });
  });
}

/** The filesystem type and source of the mount that holds `dir` (longest matching mount point). */
function mountOf(dir: string): { type: string; source: string; point: string } | undefined {
  let best: { type: string; source: string; point: string } | undefined;
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 0) continue;
    const point = (fields[4] ?? "").replace(/\\040/g, " ");
    const inside = dir === point || dir.startsWith(point.endsWith("/") ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) {
      best = { type: fields[dash + 1] ?? "", source: fields[dash + 2] ?? "", point };
    }
  }
  return best;
}

/**
 * Follows a block device down its stack (partition → whole disk, LVM/dm → slaves) looking for a
 * device-mapper target made by cryptsetup (dm uuid "CRYPT-…"). Returns the dm name when found.
 */
function cryptDeviceUnder(sysDev: string, depth = 0): string | undefined {
  if (depth > 8 || !existsSync(sysDev)) return undefined;
  const uuidFile = join(sysDev, "dm", "uuid");
  if (existsSync(uuidFile) && readFileSync(uuidFile, "utf8").startsWith("CRYPT-")) {
    return readFileSync(join(sysDev, "dm", "name"), "utf8").trim();
  }
  const slaves = join(sysDev, "slaves");
  if (existsSync(slaves)) {
    for (const s of readdirSync(slaves)) {
      const found = cryptDeviceUnder(realpathSync(join(slaves, s)), depth + 1);
      if (found) return found;
    }
  }
  if (existsSync(join(sysDev, "partition"))) return cryptDeviceUnder(join(sysDev, ".."), depth + 1);
  return undefined;
}

/**
 * Checks whether the root is encrypted at rest below s3dir: an fscrypt policy on the root
 * directory (ext4/f2fs "E" flag), or a dm-crypt (LUKS) device anywhere under its filesystem.
 * Network and FUSE filesystems cannot be confirmed from a client and report not encrypted.
 */
export async function checkRootEncryption(root: string): Promise<RootEncryption> {
  const checked: string[] = [];
  const flags = await lsattrFlags(root);
  if (flags === undefined) checked.push("fscrypt: lsattr could not read the root's flags");
  else if (flags.includes("E")) {
    checked.push(`fscrypt: the root directory has the encrypted flag (lsattr ${flags})`);
    return { encrypted: true, method: "fscrypt", checked };
  } else checked.push(`fscrypt: no encryption policy on the root directory (lsattr ${flags})`);

  const dev = statSync(root).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096) & 0xfff00) >>> 0);
  const mount = mountOf(realpathSync(root));
  const where = mount ? `${mount.type} ${mount.source} on ${mount.point}` : "unknown mount";
  if (major === 0) {
    checked.push(
      `dm-crypt: ${where} is not on a local block device; its encryption cannot be confirmed here`,
    );
    return { encrypted: false, checked };
  }
  const sysDev = `/sys/dev/block/${major}:${minor}`;
  const crypt = existsSync(sysDev) ? cryptDeviceUnder(realpathSync(sysDev)) : undefined;
  if (crypt) {
    checked.push(`dm-crypt: ${where} (device ${major}:${minor}) sits on the dm-crypt device ${crypt}`);
    return { encrypted: true, method: "dm-crypt", checked };
  }
  checked.push(`dm-crypt: ${where} (device ${major}:${minor}) has no dm-crypt device beneath it`);
  return { encrypted: false, checked };
}

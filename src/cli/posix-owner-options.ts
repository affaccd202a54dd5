import type { PosixOwner } from "../iam/iam-records.ts";
import type { OptionSpec } from "./option-spec.ts";
import { UsageError } from "./usage-error.ts";

/** `--posix-uid N --posix-gid N` (always together) and, for `user update`, `--no-posix`. */
export const posixOwnerOptionSpecs: readonly OptionSpec[] = [
  {
    name: "posix-uid",
    kind: "value",
    value: "UID",
    description: "owner of the files and directories the user writes through S3 (with --posix-gid)",
  },
  {
    name: "posix-gid",
    kind: "value",
    value: "GID",
    description: "group of the files and directories the user writes through S3 (with --posix-uid)",
  },
  {
    name: "no-posix",
    kind: "flag",
    description: "user update: drop the user's POSIX owner (its files are the server's again)",
  },
];

/**
 * The POSIX owner the options ask for: an owner, null to clear it (--no-posix), or undefined
 * when they say nothing.
 */
export function posixOwnerFromOptions(options: Record<string, string>): PosixOwner | null | undefined {
  const uid = options["posix-uid"];
  const gid = options["posix-gid"];
  const clear = options["no-posix"];
  if (clear !== undefined) {
    if (clear !== "true") throw new UsageError("--no-posix takes no value");
    if (uid !== undefined || gid !== undefined)
      throw new UsageError("--no-posix cannot go with --posix-uid or --posix-gid");
    return null;
  }
  if (uid === undefined && gid === undefined) return undefined;
  if (uid === undefined || gid === undefined) throw new UsageError("--posix-uid and --posix-gid go together");
  return { uid: posixId("--posix-uid", uid), gid: posixId("--posix-gid", gid) };
}

function posixId(flag: string, value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > 4294967294)
    throw new UsageError(`${flag} is a number from 0 to 4294967294`);
  return Number(value);
}

/** The value schemas of `s3dir serve` options: text as given, typed as the host uses it. */
import { availableParallelism } from "node:os";
import * as v from "valibot";

export const onOff = v.pipe(
  v.picklist(["on", "off", "true", "false"], "on or off"),
  v.transform((s) => s === "on" || s === "true"),
);

export const portNumber = v.pipe(
  v.string(),
  v.regex(/^\d+$/, "port must be a number"),
  v.transform(Number),
  v.integer(),
  v.minValue(0),
  v.maxValue(65535),
);

export const domainList = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(",")
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  ),
  v.array(v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$/, "a domain is letters, digits, dots and hyphens"))),
);

export const posixId = v.pipe(
  v.string(),
  v.regex(/^\d{1,10}$/, "must be a number"),
  v.transform(Number),
  v.maxValue(4294967294, "must be at most 4294967294"),
);

export function wholeNumber(min: number, max: number) {
  return v.pipe(
    v.string(),
    v.regex(/^\d+$/, "must be a whole number"),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
}

export const nonEmpty = v.pipe(v.string(), v.minLength(1, "must not be empty"));

/** `--workers`: a count, or `auto` for the CPUs this process may use. */
export const workerCount = v.pipe(
  v.string(),
  v.regex(/^(\d+|auto)$/, "a count of processes, or auto"),
  v.transform((s) => (s === "auto" ? availableParallelism() : Number(s))),
  v.minValue(1, "at least 1"),
  v.maxValue(1024, "at most 1024"),
);

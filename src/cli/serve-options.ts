import * as v from "valibot";

const onOff = v.pipe(
  v.picklist(["on", "off", "true", "false"]),
  v.transform((s) => s === "on" || s === "true"),
);

const domainList = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(",")
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  ),
  v.array(v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$/, "a domain is letters, digits, dots and hyphens"))),
);

/** The options of `s3dir serve`, validated. */
export const serveOptionsSchema = v.object({
  root: v.optional(v.pipe(v.string(), v.minLength(1)), "./data"),
  host: v.optional(v.string(), "127.0.0.1"),
  port: v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, "port must be a number"), v.transform(Number), v.integer(), v.minValue(0), v.maxValue(65535)),
    "9000",
  ),
  region: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9-]+$/, "region is lower-case letters, digits and hyphens")), "us-east-1"),
  domain: v.optional(domainList, ""),
  fsync: v.optional(onOff, "on"),
  "metadata-store": v.optional(v.picklist(["auto", "xattr", "file"]), "auto"),
  "access-log": v.optional(onOff, "on"),
});

export type ServeOptions = v.InferOutput<typeof serveOptionsSchema>;

export function parseServeOptions(flags: Record<string, string>, env: Record<string, string | undefined>): ServeOptions {
  const input: Record<string, string> = {};
  if (env.S3DIR_ROOT) input.root = env.S3DIR_ROOT;
  Object.assign(input, flags);
  const known = Object.keys(serveOptionsSchema.entries);
  for (const name of Object.keys(flags)) {
    if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  }
  const result = v.safeParse(serveOptionsSchema, input);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    throw new Error(`--${path}: ${issue.message}`);
  }
  return result.output;
}

/**
 * A bucket's anonymous access as one of four presets, stored as an ordinary bucket policy.
 * A public preset first lifts the bucket's public access block (new buckets have one), after
 * the person confirms it.
 */
import { confirmBox, h, replace } from "./dom.ts";
import { objectUrl, s3 } from "./s3.ts";
import type { SessionCredentials } from "./session.ts";

export type Preset = "none" | "download" | "upload" | "public";

const actionsOf: Record<Exclude<Preset, "none">, string[]> = {
  download: ["s3:GetObject"],
  upload: ["s3:PutObject"],
  public: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
};

export function presetPolicy(bucket: string, preset: Exclude<Preset, "none">): string {
  const statements: object[] = [
    {
      Effect: "Allow",
      Principal: { AWS: ["*"] },
      Action: actionsOf[preset],
      Resource: [`arn:aws:s3:::${bucket}/*`],
    },
  ];
  if (preset === "public" || preset === "download") {
    statements.push({
      Effect: "Allow",
      Principal: { AWS: ["*"] },
      Action: ["s3:ListBucket"],
      Resource: [`arn:aws:s3:::${bucket}`],
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2);
}

/** The preset a policy is, when it is exactly one of them. */
function presetOf(bucket: string, policy: string | undefined): Preset | "custom" {
  if (!policy) return "none";
  const normal = JSON.stringify(JSON.parse(policy));
  for (const preset of ["download", "upload", "public"] as const) {
    if (JSON.stringify(JSON.parse(presetPolicy(bucket, preset))) === normal) return preset;
  }
  return "custom";
}

async function readPolicy(session: SessionCredentials, bucket: string): Promise<string | undefined> {
  try {
    return await (await s3(session, "GET", objectUrl(bucket, "", "policy="))).text();
  } catch (e) {
    if ((e as { code?: string }).code === "NoSuchBucketPolicy") return undefined;
    throw e;
  }
}

export async function applyPreset(
  session: SessionCredentials,
  bucket: string,
  preset: Preset,
): Promise<boolean> {
  if (preset === "none") {
    await s3(session, "DELETE", objectUrl(bucket, "", "policy="));
    return true;
  }
  const ok = await confirmBox(
    `Anyone who can reach this server will be able to ${preset === "upload" ? "upload into" : preset === "download" ? "list and download from" : "list, download, upload and delete in"} ${bucket}, without signing in. This lifts the bucket's public access block.`,
    "Make it public",
  );
  if (!ok) return false;
  await s3(session, "DELETE", objectUrl(bucket, "", "publicAccessBlock="));
  await s3(session, "PUT", objectUrl(bucket, "", "policy="), {
    headers: { "content-type": "application/json" },
    body: presetPolicy(bucket, preset),
  });
  return true;
}

/** The bucket settings card: preset picker and the policy as stored. */
export function presetCard(session: SessionCredentials, bucket: string): HTMLElement {
  const status = h("span", { id: "preset-status", class: "muted" });
  const policyView = h("pre", { id: "bucket-policy" });
  const select = h(
    "select",
    { id: "preset-select" },
    ...(["none", "download", "upload", "public"] as const).map((p) => h("option", { value: p }, p)),
  );
  const refresh = async () => {
    const policy = await readPolicy(session, bucket);
    replace(
      policyView,
      policy ?? "(no bucket policy: only signed-in principals with rights reach this bucket)",
    );
    const preset = presetOf(bucket, policy);
    if (preset !== "custom") select.value = preset;
    replace(status, preset === "custom" ? "a custom policy is set" : `anonymous access: ${preset}`);
  };
  const apply = h(
    "button",
    {
      id: "preset-apply",
      onclick: async () => {
        try {
          if (await applyPreset(session, bucket, select.value as Preset)) await refresh();
        } catch (e) {
          replace(status, h("span", { class: "error" }, String((e as Error).message)));
        }
      },
    },
    "Apply",
  );
  void refresh().catch((e) => replace(status, h("span", { class: "error" }, String(e.message))));
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Anonymous access"),
    h("div", { class: "row" }, select, apply, status),
    policyView,
  );
}

/** One finding of `s3dir doctor`. */
export interface CheckResult {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  /** What to change when the status is not ok. */
  fix?: string;
}

export function ok(name: string, detail: string): CheckResult {
  return { name, status: "ok", detail };
}

export function warn(name: string, detail: string, fix: string): CheckResult {
  return { name, status: "warn", detail, fix };
}

export function fail(name: string, detail: string, fix: string): CheckResult {
  return { name, status: "fail", detail, fix };
}

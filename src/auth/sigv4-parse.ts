/** Reads the SigV4 claim of a request: from the Authorization header or from presigned query parameters. */

import { formatAmzDate, parseAmzDate } from "../lib/amz-date.ts";
import { parseHttpDate } from "../lib/http-date.ts";
import type { QueryParam } from "../lib/sigv4-canonical.ts";
import { AuthError, type AuthErrorCode } from "./errors.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** Longest presigned URL lifetime S3 allows: seven days. */
export const MAX_EXPIRES_SECONDS = 604800;

/** What a request says about how it was signed, checked for shape but not yet verified. */
export interface SigV4Claim {
  presigned: boolean;
  accessKeyId: string;
  /** yyyymmdd */
  day: string;
  region: string;
  service: string;
  /** day/region/service/aws4_request */
  scope: string;
  /** Lowercase header names, in the order given. */
  signedHeaders: string[];
  signature: string;
  /** The timestamp of the string to sign (yyyymmddThhmmssZ). */
  amzDate: string;
  signedAt: Date;
  /** X-Amz-Expires of a presigned request. */
  expiresSeconds?: number;
}

/** Which scopes this server accepts. */
export interface ScopeRules {
  region: string;
  services: readonly string[];
}

const headerMalformed = "The authorization header is malformed;";
const credentialMalformed = "Error parsing the X-Amz-Credential parameter;";

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` and the request date. */
export function parseAuthorizationHeader(value: string, headers: Headers, rules: ScopeRules): SigV4Claim {
  const fail = (why: string) => new AuthError("AuthorizationHeaderMalformed", `${headerMalformed} ${why}`);
  if (!value.startsWith(`${ALGORITHM} `)) throw fail("the authorization mechanism is malformed.");
  const fields: Record<string, string> = {};
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const field = part.trim();
    const eq = field.indexOf("=");
    const name = field.slice(0, eq);
    if (
      eq <= 0 ||
      !(name === "Credential" || name === "SignedHeaders" || name === "Signature") ||
      name in fields
    ) {
      throw fail(`the authorization component "${field}" is malformed.`);
    }
    fields[name] = field.slice(eq + 1);
  }
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = fields;
  if (!credential || !signedHeaders || !signature) {
    throw fail(
      "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    );
  }

  const amzDateHeader = headers.get("x-amz-date");
  const signedAt = amzDateHeader !== null ? parseAmzDate(amzDateHeader) : parseHttpDate(headers.get("date"));
  if (!signedAt)
    throw new AuthError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  const amzDate = amzDateHeader ?? formatAmzDate(signedAt);

  const scope = parseScope(credential, "AuthorizationHeaderMalformed", headerMalformed, rules);
  if (scope.day !== amzDate.slice(0, 8)) {
    throw fail(`Invalid credential date. Date is not the same as X-Amz-Date: "${scope.day}".`);
  }
  return {
    presigned: false,
    ...scope,
    signedHeaders: parseSignedHeaders(signedHeaders, "AuthorizationHeaderMalformed", headerMalformed),
    signature,
    amzDate,
    signedAt,
  };
}

/** Parses the X-Amz-* parameters of a presigned URL. */
export function parsePresignedQuery(params: readonly QueryParam[], rules: ScopeRules): SigV4Claim {
  const fail = (message: string) => new AuthError("AuthorizationQueryParametersError", message);
  // One pass over the parameters; the first of a repeated name counts.
  let algorithm: string | undefined;
  let credential: string | undefined;
  let signature: string | undefined;
  let amzDate: string | undefined;
  let signedHeaders: string | undefined;
  let expires: string | undefined;
  for (const { name, value } of params) {
    if (!name.startsWith("X-Amz-")) continue;
    if (name === "X-Amz-Algorithm") algorithm ??= value;
    else if (name === "X-Amz-Credential") credential ??= value;
    else if (name === "X-Amz-Signature") signature ??= value;
    else if (name === "X-Amz-Date") amzDate ??= value;
    else if (name === "X-Amz-SignedHeaders") signedHeaders ??= value;
    else if (name === "X-Amz-Expires") expires ??= value;
  }
  if (!algorithm || !credential || !signature || !amzDate || !signedHeaders || expires === undefined) {
    throw fail(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, " +
        "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  if (algorithm !== ALGORITHM) throw fail(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) throw fail(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (!/^-?\d{1,10}$/.test(expires)) throw fail("X-Amz-Expires should be a number");
  const expiresSeconds = Number(expires);
  // 0 is accepted here, as by S3: such a URL is valid for no time and is refused as expired (authenticate.ts).
  if (expiresSeconds < 0) throw fail("X-Amz-Expires must be non-negative");
  if (expiresSeconds > MAX_EXPIRES_SECONDS) {
    throw fail(`X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_EXPIRES_SECONDS}`);
  }
  const scope = parseScope(credential, "AuthorizationQueryParametersError", credentialMalformed, rules);
  if (scope.day !== amzDate.slice(0, 8)) {
    throw fail(
      `Invalid credential date "${scope.day}". This date is not the same as X-Amz-Date: "${amzDate}".`,
    );
  }
  return {
    presigned: true,
    ...scope,
    signedHeaders: parseSignedHeaders(
      signedHeaders,
      "AuthorizationQueryParametersError",
      credentialMalformed,
    ),
    signature,
    amzDate,
    signedAt,
    expiresSeconds,
  };
}

type Scope = Pick<SigV4Claim, "accessKeyId" | "day" | "region" | "service" | "scope">;

function parseScope(credential: string, code: AuthErrorCode, prefix: string, rules: ScopeRules): Scope {
  const parts = credential.split("/");
  const [accessKeyId, day, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !day || !/^\d{8}$/.test(day) || !region || !service) {
    throw new AuthError(
      code,
      `${prefix} the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  }
  if (region !== rules.region) {
    throw new AuthError(code, `${prefix} the region '${region}' is wrong; expecting '${rules.region}'`, {
      Region: rules.region,
    });
  }
  if (!rules.services.includes(service)) {
    throw new AuthError(
      code,
      `${prefix} incorrect service '${service}'. This endpoint belongs to '${rules.services[0]}'.`,
    );
  }
  if (terminator !== "aws4_request") {
    throw new AuthError(
      code,
      `${prefix} incorrect terminal '${terminator}'. This endpoint uses 'aws4_request'.`,
    );
  }
  return { accessKeyId, day, region, service, scope: `${day}/${region}/${service}/aws4_request` };
}

function parseSignedHeaders(value: string, code: AuthErrorCode, prefix: string): string[] {
  const names = value.toLowerCase().split(";");
  if (names.some((n) => n === "" || n.trim() !== n)) {
    throw new AuthError(code, `${prefix} the SignedHeaders component "${value}" is malformed.`);
  }
  if (!names.includes("host")) {
    throw new AuthError(code, `${prefix} the host header must be signed.`);
  }
  return names;
}

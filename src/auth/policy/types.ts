/** The AWS policy language as s3dir holds it after parsing (see parse-policy.ts). */

/** "trust": a role's trust policy (Principal required, no Resource). */
export type PolicyKind = "identity" | "bucket" | "session" | "trust";
export type Effect = "Allow" | "Deny";
export type SetQualifier = "ForAnyValue" | "ForAllValues";

/** Principal or NotPrincipal of a bucket policy: `*` (everyone, anonymous too) or a list of ARNs. */
export type PrincipalSet = { any: true } | { any: false; arns: readonly string[] };

export type ConditionClause = {
  /** Operator without qualifier or IfExists suffix, e.g. "StringLike". */
  operator: string;
  qualifier?: SetQualifier;
  ifExists: boolean;
  key: string;
  /** Values as strings (JSON numbers and booleans are stringified). */
  values: readonly string[];
};

export type Statement = {
  sid?: string;
  effect: Effect;
  action?: readonly string[];
  notAction?: readonly string[];
  resource?: readonly string[];
  notResource?: readonly string[];
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  conditions: readonly ConditionClause[];
};

export type Policy = {
  version: "2012-10-17" | "2008-10-17";
  id?: string;
  kind: PolicyKind;
  statements: readonly Statement[];
};

export type PrincipalType = "root" | "user" | "session" | "anonymous";

export type RequestPrincipal = {
  type: PrincipalType;
  arn: string;
  username?: string;
  userid?: string;
  accountId?: string;
};

export type RequestContext = {
  action: string;
  /** The resource ARN, built by the caller from the NORMALIZED key (the evaluator only compares strings). */
  resource: string;
  principal: RequestPrincipal;
  conditionKeys: Record<string, string | string[] | undefined>;
};

export type Decision = "Allow" | "Deny" | "ImplicitDeny";

export type EvaluationResult = {
  decision: Decision;
  matched?: string;
  /**
   * The bucket policy allows the caller's account (not the caller itself): for another account's
   * identity, that grant plus its own identity policies' Allow is what AWS requires.
   */
  accountGranted?: boolean;
};

export type PolicySet = { identity: readonly Policy[]; bucket?: Policy; session?: Policy };

export class PolicyError extends Error {
  readonly code = "MalformedPolicy" as const;
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

import { PolicyError, parsePolicy } from "../auth/policy/index.ts";

/**
 * Validates an identity policy document with the policy engine and returns it normalized
 * (compact JSON). A malformed one is refused when saved, with the engine's precise reason.
 */
export function validatePolicyDocument(text: string, kind: "identity" | "trust" = "identity"): string {
  try {
    parsePolicy(text, kind);
  } catch (e) {
    if (e instanceof PolicyError) throw new Error(`MalformedPolicy: ${e.message}`);
    throw e;
  }
  return JSON.stringify(JSON.parse(text));
}

/**
 * Checks a policy document's JSON syntax and overall shape and returns it normalized (compact JSON).
 * A stand-in for the policy engine's parser (src/auth/policy/), which will replace the body.
 */
export function validatePolicyDocument(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`MalformedPolicy: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(doc)) throw new Error("MalformedPolicy: the document must be a JSON object");
  if (doc.Version !== undefined && doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17")
    throw new Error("MalformedPolicy: Version must be 2012-10-17 or 2008-10-17");
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (doc.Statement === undefined || statements.length === 0)
    throw new Error("MalformedPolicy: Statement is missing");
  statements.forEach((s, i) => {
    if (!isObject(s)) throw new Error(`MalformedPolicy: Statement ${i} must be an object`);
    if (s.Effect !== "Allow" && s.Effect !== "Deny")
      throw new Error(`MalformedPolicy: Statement ${i}: Effect must be Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined))
      throw new Error(`MalformedPolicy: Statement ${i}: exactly one of Action and NotAction is required`);
  });
  return JSON.stringify(doc);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

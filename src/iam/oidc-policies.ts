import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import { getPolicy } from "./policy-admin.ts";

/**
 * Weka's mapping: the documents of the policies that the values of a token's roles claim name.
 * A value that names no policy (or is not a valid policy name) is skipped: an identity provider
 * lists groups that mean nothing here as well.
 */
export async function policyDocuments(paths: IamPaths, names: string[]): Promise<string[]> {
  const documents: string[] = [];
  for (const name of new Set(names)) {
    try {
      documents.push((await getPolicy(paths, name)).document);
    } catch (e) {
      if (!(e instanceof IamError)) throw e;
    }
  }
  return documents;
}

/**
 * Parameters of the Query protocol (STS, IAM) read through valibot schemas. A schema's messages are
 * the constraints AWS names, so a failed check becomes the ValidationError AWS answers, e.g.
 * `1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: …`.
 */
import * as v from "valibot";
import { QueryError } from "./query-error.ts";

/** An absent parameter reaches its schema as null. */
export type ParamSchema<T> = v.GenericSchema<unknown, T>;

/** A parameter that must be present. */
export const required = v.string("Member must not be null");

/** An IAM or STS ValidationError worded as AWS words it. */
export function validationError(field: string, value: string | null, constraint: string): QueryError {
  const shown = value === null ? "null" : `'${value}'`;
  return new QueryError(
    "ValidationError",
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

export interface ParamOptions {
  /** Show "..." instead of the value in the error (documents: long, and not for logs). */
  hideValue?: boolean;
}

/** Reads parameter `name` through its schema; the first failed check is a ValidationError. */
export function param<T>(
  params: URLSearchParams,
  name: string,
  schema: ParamSchema<T>,
  options: ParamOptions = {},
): T {
  const value = params.get(name);
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const field = `${name[0]!.toLowerCase()}${name.slice(1)}`;
  const shown = value !== null && options.hideValue ? "..." : value;
  throw validationError(field, shown, result.issues[0].message);
}

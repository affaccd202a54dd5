/**
 * Query parameters and headers of S3 requests read through valibot schemas. A failed check is the
 * InvalidArgument S3 answers, naming the argument and the value sent; a schema's message may say
 * `{name}` where the argument's name goes (one schema serves max-keys, max-uploads, max-parts…).
 */
import * as v from "valibot";
import { S3Error } from "./errors.ts";

/** An absent argument reaches its schema as null. */
export type ArgumentSchema<T> = v.GenericSchema<string | null, T>;

export function argument<T>(schema: ArgumentSchema<T>, name: string, value: string | null): T {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  throw new S3Error("InvalidArgument", result.issues[0].message.replaceAll("{name}", name), {
    ArgumentName: name,
    ArgumentValue: value ?? "",
  });
}

import type { Handler } from "../context.ts";
import { emptyResponse } from "../responses.ts";
import { versionHeaders, versionIdOf } from "../version-params.ts";

export const deleteObject: Handler = async ({ store, target }) => {
  const result = await store.deleteObject(target.bucket, target.key, versionIdOf(target.query));
  return emptyResponse(204, versionHeaders(result));
};

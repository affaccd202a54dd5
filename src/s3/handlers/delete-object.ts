import type { Handler } from "../context.ts";
import { emptyResponse } from "../responses.ts";

export const deleteObject: Handler = async ({ store, target }) => {
  await store.deleteObject(target.bucket, target.key);
  return emptyResponse(204);
};

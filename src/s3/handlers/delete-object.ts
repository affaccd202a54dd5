import type { Handler } from "../context.ts";
import { bypassGovernance, checkBypassApplicable } from "../lock-params.ts";
import { posixAccess } from "../posix-access.ts";
import { emptyResponse } from "../responses.ts";
import { versionHeaders, versionIdOf } from "../version-params.ts";

export const deleteObject: Handler = async (ctx) => {
  const { store, target } = ctx;
  const versionId = versionIdOf(target.query);
  await checkBypassApplicable(ctx);
  const bypass =
    versionId !== undefined && (await bypassGovernance(ctx, target.bucket, target.key, versionId));
  const result = await store.deleteObject(target.bucket, target.key, versionId, {
    bypassGovernance: bypass,
    access: posixAccess(ctx),
  });
  return emptyResponse(204, versionHeaders(result));
};

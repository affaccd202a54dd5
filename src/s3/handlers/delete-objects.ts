import type { DeleteResult } from "../../storage/index.ts";
import { deleteObjectsRequest } from "../bodies/delete-objects.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { requireIntegrityHeader } from "../integrity-header.ts";
import { bypassGovernance, checkBypassApplicable } from "../lock-params.ts";
import { posixAccess } from "../posix-access.ts";
import { readXmlBody } from "../request-body.ts";
import { s3Namespace, xmlResponse } from "../responses.ts";
import { toS3Error } from "../storage-errors.ts";
import { versionS3Error } from "../version-errors.ts";
import { xmlEscape } from "../xml/escape.ts";

const maxBodyBytes = 2 * 1024 * 1024;

export const deleteObjects: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  requireIntegrityHeader(req.headers);
  const { entries, quiet } = deleteObjectsRequest(await readXmlBody(ctx, maxBodyBytes, true));
  await store.headBucket(target.bucket);
  await checkBypassApplicable(ctx);

  const access = posixAccess(ctx);
  let xml = `<DeleteResult xmlns="${s3Namespace}">`;
  for (const { key, versionId } of entries) {
    const versionXml = versionId === undefined ? "" : `<VersionId>${xmlEscape(versionId)}</VersionId>`;
    try {
      if (versionId === undefined) await ctx.authorize("s3:DeleteObject", target.bucket, key);
      else await ctx.authorize("s3:DeleteObjectVersion", target.bucket, key, versionId);
      if (versionId === "") throw versionS3Error({ reason: "InvalidVersionId", requested: true, versionId });
      const bypass = versionId !== undefined && (await bypassGovernance(ctx, target.bucket, key, versionId));
      const result = await store.deleteObject(target.bucket, key, versionId, {
        bypassGovernance: bypass,
        access,
      });
      if (!quiet)
        xml += `<Deleted><Key>${xmlEscape(key)}</Key>${versionXml}${deletedMarkerXml(result)}</Deleted>`;
    } catch (e) {
      const error = toS3Error(e);
      if (!(error instanceof S3Error)) throw e;
      xml += `<Error><Key>${xmlEscape(key)}</Key>${versionXml}<Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error>`;
    }
  }
  return xmlResponse(`${xml}</DeleteResult>`);
};

/** A marker made, or a marker removed by its id: DeleteMarker and DeleteMarkerVersionId as S3 reports them. */
function deletedMarkerXml(result: DeleteResult): string {
  if (!result.deleteMarker) return "";
  const id =
    result.versionId === undefined
      ? ""
      : `<DeleteMarkerVersionId>${result.versionId}</DeleteMarkerVersionId>`;
  return `<DeleteMarker>true</DeleteMarker>${id}`;
}

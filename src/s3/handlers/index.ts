import type { Handler } from "../context.ts";
import type { Operation } from "../operations.ts";
import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from "./bucket-encryption.ts";
import {
  deleteBucketPolicy,
  getBucketPolicy,
  getBucketPolicyStatus,
  putBucketPolicy,
} from "./bucket-policy.ts";
import {
  createBucket,
  deleteBucket,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
} from "./buckets.ts";
import { copyObject } from "./copy-object.ts";
import { deleteObject } from "./delete-object.ts";
import { deleteObjects } from "./delete-objects.ts";
import { getObject, headObject } from "./get-object.ts";
import { getObjectAttributes } from "./get-object-attributes.ts";
import { listObjectsV1, listObjectsV2, listObjectVersions } from "./list-objects.ts";
import { completeMultipartUpload } from "./multipart-complete.ts";
import { abortMultipartUpload, createMultipartUpload } from "./multipart-create.ts";
import { listMultipartUploads, listParts } from "./multipart-list.ts";
import { uploadPart, uploadPartCopy } from "./multipart-upload-part.ts";
import { putObject } from "./put-object.ts";

export const handlers: Record<Operation, Handler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  ListObjects: listObjectsV1,
  ListObjectsV2: listObjectsV2,
  ListObjectVersions: listObjectVersions,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  DeleteObjects: deleteObjects,
  CopyObject: copyObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  GetObjectAttributes: getObjectAttributes,
  GetBucketPolicy: getBucketPolicy,
  PutBucketPolicy: putBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  GetBucketPolicyStatus: getBucketPolicyStatus,
  GetBucketEncryption: getBucketEncryption,
  PutBucketEncryption: putBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
};

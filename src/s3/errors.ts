import { xmlEscape } from "./xml/escape.ts";

/** Every S3 error code this server can answer with, and its HTTP status. */
const statusByCode = {
  AccessDenied: 403,
  AccessForbidden: 403,
  AccountProblem: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BadRequest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  ConditionalRequestConflict: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  ExpiredToken: 400,
  IllegalLocationConstraintException: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidBucketState: 409,
  InvalidDigest: 400,
  InvalidObjectState: 403,
  InvalidLocationConstraint: 400,
  InvalidPart: 400,
  InvalidTag: 400,
  InvalidPartOrder: 400,
  InvalidPartNumber: 416,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidStorageClass: 400,
  InvalidToken: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  KeyConflict: 409,
  MalformedPolicy: 400,
  MalformedXML: 400,
  MalformedTrailerError: 400,
  MaxMessageLengthExceeded: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingSecurityHeader: 400,
  NoSuchBucket: 404,
  NoSuchBucketPolicy: 404,
  NoSuchCORSConfiguration: 404,
  ServerSideEncryptionConfigurationNotFoundError: 404,
  ObjectLockConfigurationNotFoundError: 404,
  NoSuchKey: 404,
  NoSuchLifecycleConfiguration: 404,
  NoSuchObjectLockConfiguration: 404,
  NoSuchTagSet: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  NotModified: 304,
  PreconditionFailed: 412,
  // AWS answers 400; 431 here, as the Bun runtime's own parser does for the same request.
  RequestHeaderSectionTooLarge: 431,
  RequestTimeTooSkewed: 403,
  RequestTimeout: 400,
  SignatureDoesNotMatch: 403,
  ServiceUnavailable: 503,
  SlowDown: 503,
  /**
   * Not an AWS code (AWS never runs out of space): the disk is full or below --min-free. HTTP 507
   * as MinIO answers (its code is XMinioStorageFull); SDKs do not retry it like a 500 or 503.
   */
  StorageFull: 507,
  XAmzContentSHA256Mismatch: 400,
  InvalidChecksum: 400,
  UserKeyMustBeSpecified: 400,
  /** SSE-KMS: the key named (or the one an object was sealed with) does not exist. */
  "KMS.NotFoundException": 400,
  /** SSE-KMS: the key is disabled (on writes and on reads of its objects). */
  "KMS.DisabledException": 400,
  /**
   * Not an AWS code (AWS buckets have no quota): a bucket's hard quota is reached. 403
   * QuotaExceeded as Ceph RGW and versitygw answer (docs/compatibility.md).
   */
  QuotaExceeded: 403,
  InvalidPolicyDocument: 400,
  MalformedPOSTRequest: 400,
  MaxPostPreDataLengthExceeded: 400,
  UnexpectedContent: 400,
  AccessControlListNotSupported: 400,
  InvalidBucketAclWithObjectOwnership: 400,
  InvalidBucketAclWithBlockPublicAccessError: 400,
  MalformedACLError: 400,
  UnresolvableGrantByEmailAddress: 400,
  OwnershipControlsNotFoundError: 404,
  NoSuchPublicAccessBlockConfiguration: 404,
  TooManyBuckets: 400,
} as const satisfies Record<string, number>;

export type S3ErrorCode = keyof typeof statusByCode;

const defaultMessages: Partial<Record<S3ErrorCode, string>> = {
  AccessDenied: "Access Denied",
  AccessControlListNotSupported: "The bucket does not allow ACLs",
  InvalidBucketAclWithObjectOwnership:
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  InvalidBucketAclWithBlockPublicAccessError:
    "Bucket cannot have public ACLs set with BlockPublicAccess enabled",
  MalformedACLError:
    "The XML you provided was not well-formed or did not validate against our published schema",
  UnresolvableGrantByEmailAddress: "The e-mail address you provided does not match any account on record.",
  OwnershipControlsNotFoundError: "The bucket ownership controls were not found",
  NoSuchPublicAccessBlockConfiguration: "The public access block configuration was not found",
  BadDigest: "The Content-MD5 you specified did not match what we received.",
  BadRequest: "An error occurred when parsing the HTTP request.",
  BucketAlreadyOwnedByYou:
    "Your previous request to create the named bucket succeeded and you already own it.",
  BucketNotEmpty: "The bucket you tried to delete is not empty",
  InternalError: "We encountered an internal error. Please try again.",
  InvalidAccessKeyId: "The AWS Access Key Id you provided does not exist in our records.",
  InvalidBucketName: "The specified bucket is not valid.",
  InvalidBucketState: "The request is not valid for the current state of the bucket.",
  InvalidRange: "The requested range is not satisfiable",
  KeyTooLongError: "Your key is too long",
  MalformedXML: "The XML you provided was not well-formed or did not validate against our published schema.",
  MethodNotAllowed: "The specified method is not allowed against this resource.",
  NoSuchBucket: "The specified bucket does not exist",
  NoSuchCORSConfiguration: "The CORS configuration does not exist",
  NoSuchKey: "The specified key does not exist.",
  NoSuchLifecycleConfiguration: "The lifecycle configuration does not exist",
  NoSuchTagSet: "The TagSet does not exist",
  NoSuchUpload: "The specified multipart upload does not exist.",
  NotImplemented: "A header or query you provided implies functionality that is not implemented.",
  PreconditionFailed: "At least one of the pre-conditions you specified did not hold",
  RequestHeaderSectionTooLarge: "Your request header section exceeds the maximum allowed size.",
  RequestTimeTooSkewed: "The difference between the request time and the current time is too large.",
  SignatureDoesNotMatch:
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  XAmzContentSHA256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  UserKeyMustBeSpecified:
    "The bucket POST must contain the specified field name. If it is specified, check the order of the fields.",
  TooManyBuckets: "You have attempted to create more buckets than allowed",
};

/** The one error type of the S3 layer: a code, a message and optional extra XML fields. */
export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  /** Extra elements rendered inside <Error>, e.g. { Key: "..." } or { BucketName: "..." }. */
  readonly details: Record<string, string>;
  /** Extra response headers, e.g. Content-Range on InvalidRange. */
  readonly headers: Record<string, string>;

  constructor(
    code: S3ErrorCode,
    message?: string,
    details: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    super(message ?? defaultMessages[code] ?? code);
    this.code = code;
    this.status = statusByCode[code];
    this.details = details;
    this.headers = headers;
  }
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error;
}

export function statusOf(code: S3ErrorCode): number {
  return statusByCode[code];
}

/** Renders the S3 XML error document. */
export function renderErrorXml(error: S3Error, resource: string, requestId: string): string {
  let extra = "";
  for (const [name, value] of Object.entries(error.details)) {
    extra += `<${name}>${xmlEscape(value)}</${name}>`;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message>${extra}` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`
  );
}

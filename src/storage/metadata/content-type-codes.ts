/**
 * One-byte codes for common Content-Types in compact metadata records (compact-record.ts).
 * The code of a type is its index in this list plus one; records on disk hold these codes, so
 * entries are only ever appended, never reordered, changed or removed.
 */
const codedContentTypes: readonly string[] = [
  "application/octet-stream",
  "binary/octet-stream",
  "text/plain",
  "text/plain; charset=utf-8",
  "text/html",
  "text/html; charset=utf-8",
  "text/css",
  "text/csv",
  "text/markdown",
  "text/javascript",
  "text/xml",
  "text/tab-separated-values",
  "application/json",
  "application/xml",
  "application/yaml",
  "application/javascript",
  "application/pdf",
  "application/zip",
  "application/gzip",
  "application/x-gzip",
  "application/x-tar",
  "application/x-bzip2",
  "application/x-xz",
  "application/zstd",
  "application/x-7z-compressed",
  "application/wasm",
  "application/x-sh",
  "application/x-www-form-urlencoded",
  "application/vnd.apache.parquet",
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.ms-powerpoint",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "text/x-python",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/svg+xml",
  "image/bmp",
  "image/tiff",
  "image/vnd.microsoft.icon",
  "image/x-icon",
  "audio/mpeg",
  "audio/wav",
  "audio/x-wav",
  "audio/ogg",
  "audio/flac",
  "video/mp4",
  "video/webm",
  "video/quicktime",
  "video/x-matroska",
  "video/x-msvideo",
  "font/woff",
  "font/woff2",
  "font/ttf",
  "font/otf",
];

const codeOfType = new Map(codedContentTypes.map((type, i) => [type, i + 1]));

/** The code of a Content-Type (1–255), or undefined when it has none. */
export function contentTypeCode(type: string): number | undefined {
  return codeOfType.get(type);
}

/** The Content-Type of a code, or undefined for a code not in the list (0 included). */
export function contentTypeOfCode(code: number): string | undefined {
  return code >= 1 ? codedContentTypes[code - 1] : undefined;
}

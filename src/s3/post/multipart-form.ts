/**
 * A streaming multipart/form-data reader for POST Object. The fields before the `file` part are
 * small and read whole (their total is capped, as S3 caps them); the file part is handed on as a
 * stream that never holds more than one chunk and a boundary's length; whatever follows the file
 * part is ignored, as S3 ignores it. Web-standard only.
 */
import { S3Error } from "../errors.ts";

/** S3's limit on the form fields that precede the file (MaxPostPreDataLengthExceeded). */
export const maxPreFileBytes = 20 * 1024;

export interface FormField {
  /** As sent. */
  name: string;
  value: string;
}

export interface FormFile {
  /** The part's filename parameter (its last path segment), "" when none. */
  filename: string;
  contentType?: string;
  /** The file's bytes; errors with MalformedPOSTRequest when the form ends before its boundary. */
  stream: ReadableStream<Uint8Array>;
}

export interface ParsedForm {
  fields: FormField[];
  file?: FormFile;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const malformed = () =>
  new S3Error(
    "MalformedPOSTRequest",
    "The body of your POST request is not well-formed multipart/form-data.",
  );

const tooLarge = () =>
  new S3Error(
    "MaxPostPreDataLengthExceeded",
    "Your POST request fields preceding the upload file were too large.",
  );

/** The boundary of a multipart/form-data Content-Type, or undefined when it is not one. */
export function formBoundary(contentType: string | null): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(";");
  if (type?.trim().toLowerCase() !== "multipart/form-data") return undefined;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    const value = param.slice(eq + 1).trim();
    const unquoted = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    return unquoted.length > 0 && unquoted.length <= 70 ? unquoted : undefined;
  }
  return undefined;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0] as number;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i >= 0 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A parameter of a Content-Disposition header (`name="key"`), unquoted. */
function dispositionParam(header: string, param: string): string | undefined {
  // Browsers escape a quote as %22 and send backslashes as they are (old ones: a Windows path).
  const match = new RegExp(`(?:^|;)\\s*${param}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, "i").exec(header);
  if (!match) return undefined;
  return match[1] ?? match[2]?.trim();
}

interface PartHeaders {
  name: string;
  filename?: string;
  contentType?: string;
}

function parsePartHeaders(block: string): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!disposition?.toLowerCase().startsWith("form-data")) throw malformed();
  const name = dispositionParam(disposition, "name");
  if (name === undefined) throw malformed();
  return { name, filename: dispositionParam(disposition, "filename"), contentType };
}

/**
 * Reads a form up to its `file` part. `fields` are those before the file (a `file` field without
 * a filename is a file too, as browsers send an empty file input). The caller must consume or
 * cancel `file.stream`.
 */
export async function readForm(body: ReadableStream<Uint8Array>, boundary: string): Promise<ParsedForm> {
  const reader = body.getReader();
  try {
    return await readFields(reader, boundary);
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
}

async function readFields(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  boundary: string,
): Promise<ParsedForm> {
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  // The body starts with `--boundary`; prefixing CRLF lets one delimiter find every boundary.
  let buffer: Uint8Array = encoder.encode("\r\n");
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      return false;
    }
    // A field or part header that runs past the cap without a boundary is too large already.
    if (buffer.length > maxPreFileBytes + 4096) throw tooLarge();
    buffer = concat(buffer, value);
    return true;
  };
  const fields: FormField[] = [];
  let fieldBytes = 0;

  // Find the first boundary, then read part after part.
  let at = indexOf(buffer, delimiter);
  while (at < 0) {
    if (!(await more())) throw malformed();
    at = indexOf(buffer, delimiter);
  }
  buffer = buffer.slice(at + delimiter.length);
  for (;;) {
    while (buffer.length < 2) if (!(await more())) throw malformed();
    if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
      await reader.cancel().catch(() => {});
      return { fields };
    }
    let headerEnd = indexOf(buffer, encoder.encode("\r\n\r\n"));
    while (headerEnd < 0) {
      if (!(await more())) throw malformed();
      headerEnd = indexOf(buffer, encoder.encode("\r\n\r\n"));
    }
    // Skip the CRLF (and any transport padding) after the boundary.
    const headerText = decoder.decode(buffer.slice(0, headerEnd)).replace(/^[ \t]*\r\n/, "");
    const part = parsePartHeaders(headerText);
    buffer = buffer.slice(headerEnd + 4);
    if (part.name.toLowerCase() === "file") {
      const filename = (part.filename ?? "").split(/[\\/]/).pop() ?? "";
      return {
        fields,
        file: {
          filename,
          contentType: part.contentType,
          stream: fileStream(reader, buffer, delimiter, ended),
        },
      };
    }
    let end = indexOf(buffer, delimiter);
    while (end < 0) {
      if (!(await more())) throw malformed();
      end = indexOf(buffer, delimiter);
    }
    const value = decoder.decode(buffer.slice(0, end));
    // The whole part counts (headers too), or empty fields could be sent without end.
    fieldBytes += headerEnd + 4 + end + delimiter.length;
    if (fieldBytes > maxPreFileBytes) throw tooLarge();
    fields.push({ name: part.name, value });
    buffer = buffer.slice(end + delimiter.length);
  }
}

/**
 * The bytes of the file part: everything up to the next delimiter. Holds back only as many bytes
 * as a delimiter could span; the rest of the form after it is read and dropped.
 */
function fileStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  initial: Uint8Array,
  delimiter: Uint8Array,
  initiallyEnded: boolean,
): ReadableStream<Uint8Array> {
  let pending = initial;
  let ended = initiallyEnded;
  let finished = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (finished) return;
        const at = indexOf(pending, delimiter);
        if (at >= 0) {
          finished = true;
          if (at > 0) controller.enqueue(pending.slice(0, at));
          pending = new Uint8Array(0);
          // What follows the file is ignored; stop reading the request.
          await reader.cancel().catch(() => {});
          controller.close();
          return;
        }
        const safe = pending.length - delimiter.length + 1;
        if (safe > 0) {
          const out = pending.slice(0, safe);
          pending = pending.slice(safe);
          controller.enqueue(out);
          if (!ended) return;
        }
        if (ended) {
          finished = true;
          controller.error(malformed());
          return;
        }
        const { done, value } = await reader.read();
        if (done) ended = true;
        else pending = concat(pending, value);
      }
    },
    async cancel(reason) {
      finished = true;
      await reader.cancel(reason).catch(() => {});
    },
  });
}

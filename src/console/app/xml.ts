/** Reading S3, STS and IAM XML answers with the browser's parser (text only, never as markup). */

export function parseXml(text: string): Document {
  return new DOMParser().parseFromString(text || "<Empty/>", "application/xml");
}

/** The text of the first descendant named `name`, or "". */
export function childText(node: Element | Document, name: string): string {
  return node.getElementsByTagName(name)[0]?.textContent ?? "";
}

/** Direct children named `name` (S3 lists repeat elements without a wrapper). */
export function children(node: Element, name: string): Element[] {
  return Array.from(node.children).filter((c) => c.localName === name);
}

export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
  }
}

/** An S3 or Query error document as an Error. */
export function queryError(doc: Document, status: number): ServiceError {
  return new ServiceError(childText(doc, "Code") || `HTTP ${status}`, childText(doc, "Message"), status);
}

import { xmlEscape } from "../xml/escape.ts";

export const queryNamespaces = {
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
} as const;

export type QueryService = keyof typeof queryNamespaces;

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` (no Result when result is undefined). */
export function renderQueryResponse(
  service: QueryService,
  action: string,
  result: string | undefined,
  requestId: string,
): string {
  const body = result === undefined ? "" : `<${action}Result>${result}</${action}Result>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${queryNamespaces[service]}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function renderQueryError(
  service: QueryService,
  code: string,
  message: string,
  status: number,
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${queryNamespaces[service]}"><Error>` +
    `<Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** `<Name>value</Name>` with the value escaped. */
export function el(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

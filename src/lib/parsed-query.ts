import { parseQuery, type QueryParam } from "./sigv4-canonical.ts";

/**
 * What the route table, handlers and authorization read of a request's query: the part of
 * URLSearchParams they use, so that either serves.
 */
export interface QueryView {
  get(name: string): string | null;
  has(name: string): boolean;
  keys(): Iterable<string>;
  [Symbol.iterator](): Iterator<[string, string]>;
}

/**
 * A request's query parsed once (parseQuery: `+` is a space, escapes decoded, empty names
 * dropped) and read by the route, the handler and the signature check alike; the signature
 * check also needs each component as it was sent, which URLSearchParams does not keep.
 * Queries are a handful of parameters, so lookups scan the list.
 */
export class ParsedQuery implements QueryView {
  constructor(readonly params: readonly QueryParam[]) {}

  static of(rawQuery: string): ParsedQuery {
    return new ParsedQuery(parseQuery(rawQuery));
  }

  get(name: string): string | null {
    for (const p of this.params) if (p.name === name) return p.value;
    return null;
  }

  has(name: string): boolean {
    for (const p of this.params) if (p.name === name) return true;
    return false;
  }

  keys(): string[] {
    return this.params.map((p) => p.name);
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.params.map((p): [string, string] => [p.name, p.value])[Symbol.iterator]();
  }
}

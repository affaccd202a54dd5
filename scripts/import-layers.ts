/**
 * Which part of src/ may import which: the rule `scripts/check-imports.ts` enforces (`npm run lint`).
 *
 * A file belongs to the layer with the longest matching prefix, so a folder moved or cut into
 * subfolders stays in its layer. A layer may always import itself. Web-standard layers run
 * unchanged in the edge worker (workerd): no `node:*` or `bun*` import, no `Bun`, `process` or
 * `Buffer` global, and they import only other Web-standard layers.
 */

export interface Layer {
  name: string;
  /** Paths from the repository root: a folder ends with "/", anything else names one file. */
  prefixes: readonly string[];
  /** The layers this one may import, besides itself. */
  mayImport: readonly string[];
  webStandard?: boolean;
}

export const layers: readonly Layer[] = [
  { name: "lib", prefixes: ["src/lib/"], mayImport: [], webStandard: true },
  { name: "auth", prefixes: ["src/auth/"], mayImport: ["lib"], webStandard: true },
  { name: "sse", prefixes: ["src/sse/"], mayImport: ["lib"], webStandard: true },
  {
    // The part of the HTTP layer the edge worker shares: S3 errors and their response, request ids,
    // the XML (S3's and the Query protocol's), the request target.
    name: "s3-shared",
    prefixes: [
      "src/s3/errors.ts",
      "src/s3/error-response.ts",
      "src/s3/auth-errors.ts",
      "src/s3/request-id.ts",
      "src/s3/xml/",
      "src/s3/query/query-xml.ts",
      "src/s3/request-target.ts",
    ],
    mayImport: ["lib", "auth"],
    webStandard: true,
  },
  { name: "edge", prefixes: ["src/edge/"], mayImport: ["lib", "auth", "s3-shared"], webStandard: true },
  // Bun and Node adapters: files, FFI, the HTTP server, fast crypto behind the auth interfaces.
  { name: "runtime", prefixes: ["src/runtime/"], mayImport: ["lib", "auth", "sse"] },
  { name: "storage", prefixes: ["src/storage/"], mayImport: ["lib", "sse", "runtime"] },
  { name: "iam", prefixes: ["src/iam/"], mayImport: ["lib", "auth", "runtime"] },
  { name: "audit", prefixes: ["src/audit/"], mayImport: ["lib", "iam", "runtime"] },
  { name: "cluster", prefixes: ["src/cluster/"], mayImport: ["lib", "iam", "runtime"] },
  { name: "doctor", prefixes: ["src/doctor/"], mayImport: ["lib", "iam", "cluster", "storage", "runtime"] },
  {
    name: "s3",
    prefixes: ["src/s3/"],
    mayImport: ["lib", "auth", "sse", "s3-shared", "s3-routes", "runtime", "storage", "iam", "audit"],
  },
  // A handler is reached only through the route table; what handlers share lives beside them.
  { name: "s3-routes", prefixes: ["src/s3/routes.ts", "src/s3/routes/"], mayImport: ["s3", "s3-handlers"] },
  {
    name: "s3-handlers",
    prefixes: ["src/s3/handlers/"],
    mayImport: ["lib", "auth", "sse", "s3-shared", "s3", "runtime", "storage", "iam", "audit"],
  },
  // The web console: browser code (bundled by console-build.ts, imports only packages) and the
  // host side that builds and serves it.
  { name: "console-app", prefixes: ["src/console/app/"], mayImport: [] },
  {
    name: "console-server",
    prefixes: ["src/console/server/"],
    mayImport: ["lib", "runtime", "cluster", "s3", "s3-shared"],
  },
  {
    // The composition root: builds a host from every layer below it; listens on nothing.
    name: "host",
    prefixes: ["src/host/"],
    mayImport: [
      "lib",
      "auth",
      "sse",
      "s3-shared",
      "runtime",
      "storage",
      "iam",
      "audit",
      "s3",
      "package",
      "console-server",
    ],
  },
  {
    // Process concerns: arguments, signals, TLS and the supervisor; nothing imports it.
    name: "cli",
    prefixes: ["src/cli/"],
    mayImport: [
      "lib",
      "auth",
      "sse",
      "s3-shared",
      "edge",
      "runtime",
      "storage",
      "iam",
      "audit",
      "cluster",
      "doctor",
      "s3",
      "host",
      "package",
    ],
  },
  { name: "main", prefixes: ["src/main.ts"], mayImport: ["cli"] },
  // The version the CLI and /health/status report.
  { name: "package", prefixes: ["package.json"], mayImport: [] },
];

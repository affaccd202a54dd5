/** The host: what the CLI and tests build one from, and what they get. */
export { createHost, type Host, type RequestInfo } from "./create-host.ts";
export type { HostOptions, LineWriter } from "./host-options.ts";

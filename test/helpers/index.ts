export * from "./cli.ts";
export * from "./clients.ts";
export * from "./host.ts";
export * from "./raw-http.ts";
export * from "./server.ts";
export * from "./use-host.ts";
export * from "./util.ts";

import { startEdge } from "../../scripts/edge.ts";
import { freePort, testCredentials } from "./server.ts";

/**
 * Starts the edge worker with the root credential, read as an operator's shell would have it;
 * the variables are removed again at once so that they do not leak into other test files of
 * this process.
 */
export async function startEdgeWithRootCredential(options: Parameters<typeof startEdge>[0]) {
  process.env.S3DIR_ROOT_ACCESS_KEY = testCredentials.accessKeyId;
  process.env.S3DIR_ROOT_SECRET_KEY = testCredentials.secretAccessKey;
  try {
    return await startEdge(options);
  } finally {
    delete process.env.S3DIR_ROOT_ACCESS_KEY;
    delete process.env.S3DIR_ROOT_SECRET_KEY;
  }
}

/** The edge in front of one host (its only origin, reading its root), on a free port unless given one. */
export async function startEdgeFor(
  host: { endpoint: string; root: string },
  options: Partial<Parameters<typeof startEdge>[0]> = {},
) {
  return startEdgeWithRootCredential({
    port: options.port ?? (await freePort()),
    origins: [host.endpoint],
    root: host.root,
    ...options,
  });
}

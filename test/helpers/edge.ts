import { startEdge } from "../../scripts/edge.ts";
import { testCredentials } from "./server.ts";

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

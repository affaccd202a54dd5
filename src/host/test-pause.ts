/**
 * A test hook for crash tests: with S3DIR_TEST_PAUSE_AT=<point> and S3DIR_TEST_PAUSE_DIR=<dir>
 * in the environment, a request reaching that point creates `<dir>/<point>` and waits until the
 * file is removed again, so a test can kill the host at exactly that step. Unset: no hook.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PausePoint } from "../storage/index.ts";

export function testPauseFromEnv(
  env: Record<string, string | undefined>,
): ((point: PausePoint) => Promise<void>) | undefined {
  const at = env.S3DIR_TEST_PAUSE_AT;
  const dir = env.S3DIR_TEST_PAUSE_DIR;
  if (!at || !dir) return undefined;
  return async (point) => {
    if (point !== at) return;
    const marker = join(dir, point);
    writeFileSync(marker, String(process.pid));
    while (existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
  };
}

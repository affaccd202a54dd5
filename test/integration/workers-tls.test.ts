/** `s3dir serve --workers 2` with TLS: a certificate reload replaces every worker without dropping requests. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { startServer, type TestServer, waitFor } from "../helpers/index.ts";

setDefaultTimeout(30_000);

let dir: string;
let server: TestServer;

/** A self-signed certificate for 127.0.0.1 named `name`, written to server.pem / server.key. */
function selfSigned(name: string): void {
  const result = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { cwd: dir, stderr: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`openssl: ${result.stderr.toString()}`);
}

/** The CN of the certificate presented to a new connection. */
async function presentedName(): Promise<string> {
  const ca = readFileSync(join(dir, "server.pem"), "utf8");
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: server.port, ca, rejectUnauthorized: false }, () => {
      const name = socket.getPeerCertificate().subject?.CN ?? "";
      socket.end();
      resolve(String(name));
    });
    socket.on("error", reject);
  });
}

function childrenOf(pid: number): number[] {
  const result = Bun.spawnSync(["pgrep", "-P", String(pid)]);
  return result.stdout.toString().split("\n").filter(Boolean).map(Number).sort();
}

const logged = (msg: string) => server.logs().filter((l) => l.includes(`"msg":"${msg}"`)).length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "s3dir-workers-tls-"));
  selfSigned("first");
  server = await startServer({
    https: true,
    args: ["--workers", "2", "--tls-cert", join(dir, "server.pem"), "--tls-key", join(dir, "server.key")],
  });
  expect(await waitFor(() => logged("every worker listening") === 1, 20_000)).toBe(true);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("SIGHUP replaces both workers with the new certificate while every request is answered", async () => {
  const before = childrenOf(server.pid);
  expect(before).toHaveLength(2);
  selfSigned("second");
  process.kill(server.pid, "SIGHUP");
  const statuses: number[] = [];
  const failures: string[] = [];
  while (logged("TLS certificate reloaded") === 0 && statuses.length + failures.length < 2000) {
    try {
      // A new connection each time, so that requests meet old and new workers alike.
      const response = await fetch(`${server.endpoint}/health/live`, {
        keepalive: false,
        tls: { rejectUnauthorized: false },
      } as RequestInit);
      await response.arrayBuffer();
      statuses.push(response.status);
    } catch (e) {
      failures.push(String(e));
    }
  }
  expect(logged("TLS certificate reloaded")).toBe(1);
  expect(failures).toEqual([]);
  expect(new Set(statuses)).toEqual(new Set([200]));
  expect(await waitFor(() => childrenOf(server.pid).every((pid) => !before.includes(pid)), 10_000)).toBe(
    true,
  );
  for (let i = 0; i < 10; i++) expect(await presentedName()).toBe("second");
});

/** A throwaway OpenLDAP server (Debian's slapd) on a free port, with its own slapd.conf and mdb database. */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./server.ts";

export const slapdBinary = "/usr/sbin/slapd";
export const ldapSuffix = "dc=example,dc=org";
export const ldapAdminDn = `cn=admin,${ldapSuffix}`;
export const ldapAdminPassword = "admin-secret";

export interface Slapd {
  url: string;
  /** Adds LDIF entries as the admin. */
  add(ldif: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why slapd cannot run here, or undefined when it can. */
export function slapdMissing(): string | undefined {
  if (!existsSync(slapdBinary))
    return `${slapdBinary} is not installed (apt-get install -y slapd ldap-utils)`;
  if (!Bun.which("ldapadd")) return "ldapadd is not installed (apt-get install -y ldap-utils)";
  return undefined;
}

async function listening(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

export async function startSlapd(): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), "s3dir-slapd-"));
  await mkdir(join(dir, "db"));
  const schema = "/etc/ldap/schema";
  await writeFile(
    join(dir, "slapd.conf"),
    [
      `include ${schema}/core.schema`,
      `include ${schema}/cosine.schema`,
      `include ${schema}/inetorgperson.schema`,
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      `pidfile ${dir}/slapd.pid`,
      "database mdb",
      "maxsize 10485760",
      `suffix "${ldapSuffix}"`,
      `rootdn "${ldapAdminDn}"`,
      `rootpw ${ldapAdminPassword}`,
      `directory ${dir}/db`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const proc = Bun.spawn([slapdBinary, "-f", join(dir, "slapd.conf"), "-h", url, "-d", "0"], {
    stdout: "ignore",
    stderr: "pipe",
  });
  for (let i = 0; !(await listening(port)); i++) {
    if (proc.exitCode !== null || i > 200) {
      proc.kill();
      const stderr = await new Response(proc.stderr).text();
      await rm(dir, { recursive: true, force: true });
      throw new Error(`slapd did not start: ${stderr.slice(-2000)}`);
    }
    await Bun.sleep(25);
  }
  return {
    url,
    async add(ldif) {
      const add = Bun.spawn(["ldapadd", "-x", "-H", url, "-D", ldapAdminDn, "-w", ldapAdminPassword], {
        stdin: new TextEncoder().encode(ldif),
        stdout: "pipe",
        stderr: "pipe",
      });
      if ((await add.exited) !== 0) throw new Error(`ldapadd: ${await new Response(add.stderr).text()}`);
    },
    async stop() {
      proc.kill();
      await proc.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

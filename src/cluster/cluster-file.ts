import { join } from "node:path";
import * as v from "valibot";
import { createEntity, readEntity, replaceEntity, VersionConflictError } from "../iam/versioned-file.ts";
import { type ClusterHost, parseHostAddress } from "./host-address.ts";

const addressSchema = v.pipe(
  v.string(),
  v.check((text) => {
    try {
      return parseHostAddress(text) === text;
    } catch {
      return false;
    }
  }, "a host is a normalized HOST:PORT"),
);

export const clusterHostSchema = v.object({
  address: addressSchema,
  scheme: v.picklist(["http", "https"]),
});

export const clusterRecordSchema = v.object({
  name: v.literal("cluster"),
  hosts: v.array(clusterHostSchema),
  created: v.string(),
  updated: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type ClusterRecord = v.InferOutput<typeof clusterRecordSchema>;

/** The pool's membership, shared by every host and admin: `<root>/.s3dir/cluster.json`. */
export function clusterFile(root: string): string {
  return join(root, ".s3dir", "cluster.json");
}

const noCluster =
  "no cluster is defined on this root; run 's3dir cluster create --hosts HOST:PORT,...' first";

export async function readCluster(root: string): Promise<ClusterRecord | undefined> {
  return await readEntity(clusterFile(root), clusterRecordSchema);
}

function duplicates(hosts: ClusterHost[]): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const h of hosts) {
    if (seen.has(h.address)) repeated.push(h.address);
    seen.add(h.address);
  }
  return repeated;
}

/** Records a new pool; refuses when one exists already (exactly one of racing creators wins). */
export async function createCluster(root: string, hosts: ClusterHost[]): Promise<ClusterRecord> {
  if (hosts.length === 0) throw new Error("a cluster needs at least one host");
  const repeated = duplicates(hosts);
  if (repeated.length > 0) throw new Error(`${repeated.join(", ")} is listed more than once`);
  const now = new Date().toISOString();
  const record: ClusterRecord = { name: "cluster", hosts, created: now, updated: now, version: 1 };
  try {
    await createEntity(clusterFile(root), record);
  } catch (e) {
    if (e instanceof VersionConflictError) {
      throw new Error(
        "a cluster is already defined on this root; change it with 's3dir cluster host add|remove'",
      );
    }
    throw e;
  }
  return record;
}

/**
 * Applies change to the current record and publishes the result as the next version. When another
 * admin changed the file in between, reads it again and reapplies the change, so concurrent edits
 * all land.
 */
async function updateCluster(
  root: string,
  change: (hosts: ClusterHost[]) => ClusterHost[],
): Promise<ClusterRecord> {
  for (let attempt = 0; ; attempt++) {
    const current = await readCluster(root);
    if (!current) throw new Error(noCluster);
    const next: ClusterRecord = {
      ...current,
      hosts: change(current.hosts),
      updated: new Date().toISOString(),
      version: current.version + 1,
    };
    try {
      await replaceEntity(clusterFile(root), clusterRecordSchema, next);
      return next;
    } catch (e) {
      if (!(e instanceof VersionConflictError) || attempt >= 50) throw e;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}

export async function addHost(root: string, host: ClusterHost): Promise<ClusterRecord> {
  return await updateCluster(root, (hosts) => {
    if (hosts.some((h) => h.address === host.address)) {
      throw new Error(`${host.address} is already a member of the cluster`);
    }
    return [...hosts, host];
  });
}

export async function removeHost(root: string, address: string): Promise<ClusterRecord> {
  return await updateCluster(root, (hosts) => {
    if (!hosts.some((h) => h.address === address)) {
      throw new Error(`${address} is not a member of the cluster (see 's3dir cluster status')`);
    }
    if (hosts.length === 1) {
      throw new Error(`${address} is the last host; a cluster keeps at least one`);
    }
    return hosts.filter((h) => h.address !== address);
  });
}

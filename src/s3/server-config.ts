import type { Cidr } from "../auth/policy/ip-cidr.ts";

/** Settings of the S3 front end that every handler may read. */
export interface ServerConfig {
  region: string;
  /** Base domains for virtual-hosted-style requests, lower case. */
  domains: string[];
  /** Canonical user id and display name of the bucket owner, shown in listings. */
  owner: { id: string; displayName: string };
  /** Proxies whose X-Forwarded-Host is the Host a request was signed for (edge worker, load balancer). */
  trustedProxies?: readonly Cidr[];
  /** An upload that sends less than 64 KiB in this long is cut off (RequestTimeout); 0 = never. */
  bodyTimeoutMs?: number;
  /** Accept SSE-C customer keys over plain HTTP (testing only). */
  allowSseCOverHttp?: boolean;
  /** Owner of files and directories anonymous requests create (--anonymous-uid/--anonymous-gid). */
  anonymousOwner?: { uid: number; gid: number };
  /** Accept Signature Version 2 (--sigv2); default true. */
  sigv2?: boolean;
}

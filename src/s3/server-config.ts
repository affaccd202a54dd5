/** Settings of the S3 front end that every handler may read. */
export interface ServerConfig {
  region: string;
  /** Base domains for virtual-hosted-style requests, lower case. */
  domains: string[];
  /** Canonical user id and display name of the bucket owner, shown in listings. */
  owner: { id: string; displayName: string };
}

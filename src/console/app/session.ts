/**
 * Sign-in: the access key and secret are used once, for STS AssumeRole, and forgotten; the
 * session credentials it returns sign every later request and live in sessionStorage only
 * (gone with the tab). Sign-out removes them.
 */
import { AwsClient } from "aws4fetch";
import { childText, parseXml, queryError } from "./xml.ts";

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  /** Who signed in, as GetCallerIdentity says. */
  arn: string;
}

const storageKey = "s3dir-console-session";

export const region =
  document.querySelector<HTMLMetaElement>('meta[name="s3dir-region"]')?.content || "us-east-1";

export function currentSession(): SessionCredentials | undefined {
  const text = sessionStorage.getItem(storageKey);
  if (!text) return undefined;
  const session = JSON.parse(text) as SessionCredentials;
  if (Date.parse(session.expiration) <= Date.now()) {
    sessionStorage.removeItem(storageKey);
    return undefined;
  }
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(storageKey);
}

async function query(client: AwsClient, params: Record<string, string>): Promise<Document> {
  const response = await client.fetch(`${location.origin}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: new URLSearchParams(params).toString(),
  });
  const doc = parseXml(await response.text());
  if (!response.ok) throw queryError(doc, response.status);
  return doc;
}

/** Exchanges long-term keys for session credentials (an hour) and keeps only those. */
export async function signIn(accessKeyId: string, secretAccessKey: string): Promise<SessionCredentials> {
  const longTerm = new AwsClient({ accessKeyId, secretAccessKey, service: "sts", region });
  const assumed = await query(longTerm, {
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: "arn:aws:iam::000000000000:role/s3dir-console",
    RoleSessionName: "console",
    DurationSeconds: "3600",
  });
  const creds = assumed.getElementsByTagName("Credentials")[0];
  if (!creds) throw new Error("AssumeRole answered without credentials");
  const partial = {
    accessKeyId: childText(creds, "AccessKeyId"),
    secretAccessKey: childText(creds, "SecretAccessKey"),
    sessionToken: childText(creds, "SessionToken"),
    expiration: childText(creds, "Expiration"),
  };
  const identity = await query(new AwsClient({ ...partial, service: "sts", region }), {
    Action: "GetCallerIdentity",
    Version: "2011-06-15",
  });
  const session = { ...partial, arn: childText(identity.documentElement, "Arn") };
  sessionStorage.setItem(storageKey, JSON.stringify(session));
  return session;
}

export function clientFor(session: SessionCredentials, service: "s3" | "iam" | "sts"): AwsClient {
  return new AwsClient({
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
    service,
    region,
  });
}

/** An IAM Query action with the session's credentials. */
export function iamQuery(session: SessionCredentials, params: Record<string, string>): Promise<Document> {
  return query(clientFor(session, "iam"), { Version: "2010-05-08", ...params });
}

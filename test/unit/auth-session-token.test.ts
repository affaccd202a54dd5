/** Self-contained session tokens and the credential lookup built on them. */
import { describe, expect, test } from "bun:test";
import { AuthError } from "../../src/auth/errors.ts";
import { issueSession } from "../../src/auth/session-issue.ts";
import { openSessionToken, type TokenKey } from "../../src/auth/session-token.ts";
import type { Credential } from "../../src/auth/types.ts";
import { createSessionCredentials } from "../../src/iam/session-credentials.ts";
import type { TokenKeySet } from "../../src/iam/token-keys.ts";

function key(id: string, fill: number): TokenKey {
  return { id, key: new Uint8Array(32).fill(fill) };
}

const keyA = key("a", 1);
const keyB = key("b", 2);
const parent: Credential = {
  accessKeyId: "S3DPARENTKEY00000000",
  secretAccessKey: "secret",
  principal: { kind: "user", name: "alice", accessKeyId: "S3DPARENTKEY00000000" },
};
const request = {
  parentUser: "alice",
  parentAccessKeyId: parent.accessKeyId,
  roleArn: "arn:aws:iam::000000000000:role/etl",
  sessionName: "nightly",
  durationSeconds: 900,
  now: Date.parse("2026-01-01T00:00:00Z"),
};

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    return (await call) === undefined ? "undefined" : "ok";
  } catch (e) {
    return e instanceof AuthError ? e.code : String(e);
  }
}

describe("session tokens", () => {
  test("open what was sealed, with every claim", async () => {
    const issued = await issueSession(
      { ...request, policy: '{"Version":"2012-10-17","Statement":[]}' },
      keyA,
    );
    const claims = await openSessionToken(issued.sessionToken, (id) => (id === "a" ? keyA : undefined));
    expect(claims).toEqual({
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      parentUser: "alice",
      parentAccessKeyId: parent.accessKeyId,
      roleArn: request.roleArn,
      sessionName: "nightly",
      policy: '{"Version":"2012-10-17","Statement":[]}',
      issuedAt: request.now / 1000,
      expiresAt: request.now / 1000 + 900,
    });
    expect(issued.expiration.toISOString()).toBe("2026-01-01T00:15:00.000Z");
    // The secret is not readable from the token without the key.
    expect(issued.sessionToken).not.toContain(issued.secretAccessKey);
    expect(atob(issued.sessionToken.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).toContain(
      '"kid":"a"',
    );
  });

  test("forged, truncated, re-keyed and foreign tokens do not open", async () => {
    const { sessionToken } = await issueSession(request, keyA);
    const parts = sessionToken.split(".");
    const flipped = [...parts];
    flipped[3] = (flipped[3]![0] === "A" ? "B" : "A") + flipped[3]!.slice(1);
    const cases = [
      flipped.join("."),
      parts.slice(0, 4).join("."),
      "",
      "not.a.token.at.all",
      sessionToken.replace(/^[^.]+/, btoa('{"alg":"dir","enc":"A256GCM","kid":"b","typ":"s3dir-session"}')),
    ];
    for (const token of cases) {
      expect(
        await openSessionToken(token, (id) => (id === "a" ? keyA : id === "b" ? keyB : undefined)),
      ).toBeUndefined();
    }
    expect(await openSessionToken(sessionToken, () => keyB)).toBeUndefined();
    expect(await openSessionToken(sessionToken, () => undefined)).toBeUndefined();
  });
});

describe("session credential lookup", () => {
  function lookup(opts: { keys?: TokenKey[]; now?: number; parentActive?: boolean }) {
    const keys = opts.keys ?? [keyA];
    const set: TokenKeySet = { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) };
    return createSessionCredentials({
      tokenKeys: async () => set,
      parentCredential: async (id) =>
        opts.parentActive !== false && id === parent.accessKeyId ? parent : undefined,
      now: () => opts.now ?? request.now + 1000,
    });
  }

  test("a live session resolves to a session principal with its policy parsed", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    });
    const issued = await issueSession({ ...request, policy }, keyA);
    const credential = await lookup({})(issued.accessKeyId, issued.sessionToken);
    expect(credential?.secretAccessKey).toBe(issued.secretAccessKey);
    expect(credential?.principal.kind).toBe("session");
    expect(credential?.principal.name).toBe("alice");
    expect(credential?.principal.session?.arn).toBe("arn:aws:sts::000000000000:assumed-role/etl/nightly");
    expect(credential?.principal.session?.policy?.statements).toHaveLength(1);
  });

  test("expired, revoked, rotated-away and mismatched sessions are refused with the right code", async () => {
    const issued = await issueSession(request, keyA);
    const { accessKeyId: id, sessionToken: token } = issued;
    expect(await codeOf(lookup({ now: request.now + 900_000 })(id, token))).toBe("ExpiredToken");
    expect(await codeOf(lookup({ now: request.now + 899_000 })(id, token))).toBe("ok");
    expect(await codeOf(lookup({ parentActive: false })(id, token))).toBe("InvalidToken");
    expect(await codeOf(lookup({ keys: [keyB] })(id, token))).toBe("InvalidToken");
    expect(await codeOf(lookup({ keys: [keyB, keyA] })(id, token))).toBe("ok");
    expect(await codeOf(lookup({})("ASIAOTHERKEY00000000", token))).toBe("InvalidToken");
    expect(await codeOf(lookup({})(id, undefined))).toBe("undefined");
  });

  test("a cached token stops opening once its key is rotated away", async () => {
    const issued = await issueSession(request, keyA);
    let set: TokenKeySet = { current: keyA, byId: new Map([["a", keyA]]) };
    const resolve = createSessionCredentials({
      tokenKeys: async () => set,
      parentCredential: async () => parent,
      now: () => request.now,
    });
    expect(await codeOf(resolve(issued.accessKeyId, issued.sessionToken))).toBe("ok");
    set = { current: keyB, byId: new Map([["b", keyB]]) };
    expect(await codeOf(resolve(issued.accessKeyId, issued.sessionToken))).toBe("InvalidToken");
  });
});

describe("web identity sessions", () => {
  const readOnly = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
  });
  const federated = {
    provider: "corp",
    issuer: "https://idp.example",
    subject: "alice",
    policies: [readOnly],
  };

  test("carry the provider, the subject and their policies; need no parent key", async () => {
    const issued = await issueSession(
      { ...request, parentUser: "oidc:corp:alice", parentAccessKeyId: "AROAEXAMPLE", federated },
      keyA,
    );
    const claims = await openSessionToken(issued.sessionToken, () => keyA);
    expect(claims?.federated).toEqual(federated);
    const resolve = createSessionCredentials({
      tokenKeys: async () => ({ current: keyA, byId: new Map([["a", keyA]]) }),
      parentCredential: async () => undefined,
      now: () => request.now + 1000,
    });
    const credential = await resolve(issued.accessKeyId, issued.sessionToken);
    expect(credential?.principal.name).toBe("oidc:corp:alice");
    expect(credential?.principal.session?.federated).toMatchObject({ provider: "corp", subject: "alice" });
    expect(credential?.principal.session?.federated?.policies).toHaveLength(1);
  });
});

/**
 * A real OpenID Connect provider (the `oidc-provider` package) inside the test process, and the
 * authorization code flow a browser would run, so tests get ID tokens it signed.
 */
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { freePort } from "./server.ts";

const redirectUri = "http://127.0.0.1/callback";

export interface TestOidcProvider {
  issuer: string;
  /** The claims each login name (the token's sub) gets, e.g. { roles: ["readers"] }. */
  accounts: Map<string, Record<string, unknown>>;
  /** An ID token for `login`, issued to `clientId` (default "s3dir"). */
  idToken(login: string, clientId?: string): Promise<string>;
  /** Signs from now on with a new key (a new kid), as a provider rotating its keys does. */
  rotateKey(): Promise<string>;
  close(): Promise<void>;
}

async function signingKey(kid: string) {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
}

export async function startOidcProvider(): Promise<TestOidcProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, Record<string, unknown>>();
  let generation = 1;
  let server: Server | undefined;

  async function listen(kid: string) {
    const provider = new Provider(issuer, {
      clients: ["s3dir", "other-app"].map((client_id) => ({
        client_id,
        client_secret: `${client_id}-secret`,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      })),
      jwks: { keys: [await signingKey(kid)] },
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({ sub, ...(accounts.get(sub) ?? {}) }),
      }),
      claims: { openid: ["sub", "roles", "groups"] },
      conformIdTokenClaims: false,
      pkce: { required: () => false },
      ttl: {
        IdToken: 300,
        AccessToken: 300,
        Interaction: 300,
        Session: 300,
        Grant: 300,
        AuthorizationCode: 60,
      },
    });
    server = createServer(provider.callback());
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
  }

  async function stop() {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async function idToken(login: string, clientId = "s3dir"): Promise<string> {
    const cookies = new Map<string, string>();
    const go = async (url: string, body?: string) => {
      const res = await fetch(new URL(url, issuer), {
        method: body === undefined ? "GET" : "POST",
        redirect: "manual",
        headers: {
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
          ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
        },
        body,
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair!.indexOf("=");
        cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      return res;
    };
    const query = new URLSearchParams({
      client_id: clientId,
      response_type: "code",
      scope: "openid",
      redirect_uri: redirectUri,
    });
    let res = await go(`/auth?${query}`);
    // The provider's own login and consent pages (its development interactions), then the callback.
    for (let step = 0; step < 10; step++) {
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get("location")!;
        if (location.startsWith(redirectUri)) {
          const code = new URL(location).searchParams.get("code")!;
          const token = await fetch(`${issuer}/token`, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              authorization: `Basic ${btoa(`${clientId}:${clientId}-secret`)}`,
            },
            body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri }),
          });
          const json = (await token.json()) as { id_token?: string };
          if (!json.id_token) throw new Error(`no id_token: ${JSON.stringify(json)}`);
          return json.id_token;
        }
        res = await go(location);
        continue;
      }
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (!action || !prompt)
        throw new Error(`unexpected page from the provider (${res.status}): ${html.slice(0, 300)}`);
      res = await go(
        action,
        prompt === "login"
          ? `prompt=login&login=${encodeURIComponent(login)}&password=x`
          : `prompt=${prompt}`,
      );
    }
    throw new Error("the authorization flow did not end at the callback");
  }

  await listen("key-1");
  return {
    issuer,
    accounts,
    idToken,
    async rotateKey() {
      const kid = `key-${++generation}`;
      await stop();
      await listen(kid);
      return kid;
    },
    close: stop,
  };
}

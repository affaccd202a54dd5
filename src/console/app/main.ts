/** The console's entry: sign-in, then a small hash router over the pages. */

import { adminView } from "./admin-view.ts";
import { bucketsView } from "./buckets-view.ts";
import { clusterView } from "./cluster-view.ts";
import { errorText, h, replace } from "./dom.ts";
import { objectsView } from "./objects-view.ts";
import { currentSession, iamQuery, type SessionCredentials, signIn, signOut } from "./session.ts";
import { ensureSubtle } from "./subtle-fallback.ts";

ensureSubtle();
const app = document.getElementById("app")!;
let stopPage: (() => void) | undefined;
let isAdmin: boolean | undefined;

function signInView(): HTMLElement {
  const key = h("input", { type: "text", id: "access-key", autocomplete: "username" });
  const secret = h("input", { type: "password", id: "secret-key", autocomplete: "current-password" });
  const status = h("p", { id: "signin-status", class: "error" });
  const form = h(
    "form",
    { class: "card signin", id: "signin" },
    h("h2", {}, "Sign in to s3dir"),
    h("label", {}, "Access key", key),
    h("label", {}, "Secret key", secret),
    h("button", { class: "primary", type: "submit" }, "Sign in"),
    h(
      "p",
      { class: "muted" },
      "The keys are exchanged at once for one-hour session credentials; the secret is not kept.",
    ),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await signIn(key.value.trim(), secret.value);
      secret.value = "";
      isAdmin = undefined;
      void route();
    } catch (err) {
      replace(status, errorText(err));
    }
  });
  return form;
}

async function adminAllowed(session: SessionCredentials): Promise<boolean> {
  isAdmin ??= await iamQuery(session, { Action: "ListUsers", MaxItems: "1" }).then(
    () => true,
    () => false,
  );
  return isAdmin;
}

async function route(): Promise<void> {
  stopPage?.();
  stopPage = undefined;
  const session = currentSession();
  if (!session) {
    replace(app, h("main", {}, signInView()));
    return;
  }
  const hash = location.hash || "#/";
  const admin = await adminAllowed(session);
  const link = (href: string, label: string, id: string) =>
    h(
      "a",
      { href, id, class: hash === href || (href !== "#/" && hash.startsWith(href)) ? "active" : undefined },
      label,
    );
  const header = h(
    "header",
    {},
    h("h1", {}, "s3dir"),
    h(
      "nav",
      {},
      link("#/", "Buckets", "nav-buckets"),
      admin && link("#/admin", "Users & policies", "nav-admin"),
      admin && link("#/cluster", "Cluster", "nav-cluster"),
    ),
    h("span", { class: "muted", id: "whoami" }, session.arn),
    h(
      "button",
      {
        id: "sign-out",
        onclick: () => {
          signOut();
          location.hash = "#/";
          void route();
        },
      },
      "Sign out",
    ),
  );
  let page: HTMLElement;
  const bucketMatch = /^#\/b\/([^/]+)\/(.*)$/.exec(hash);
  if (bucketMatch) {
    page = objectsView(
      session,
      decodeURIComponent(bucketMatch[1] ?? ""),
      decodeURIComponent(bucketMatch[2] ?? ""),
      (h) => {
        location.hash = h;
      },
    );
  } else if (hash === "#/admin" && admin) {
    page = adminView(session);
  } else if (hash === "#/cluster" && admin) {
    const view = clusterView(session);
    stopPage = view.stop;
    page = view.node;
  } else {
    page = bucketsView(session);
  }
  replace(app, header, h("main", {}, page));
}

window.addEventListener("hashchange", () => void route());
void route();

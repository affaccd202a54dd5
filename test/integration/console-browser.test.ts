/**
 * The web console in a real headless chromium: sign in, create a bucket, upload a 20 MiB file in
 * parts while the total progress bar moves, share a link and fetch it with curl, set the download
 * preset and read anonymously, render keys and metadata with markup as text, create a user and a
 * key as admin, see a second host and its audit spool appear on the cluster page, sign out. With
 * S3DIR_CONSOLE_SCREENSHOTS=docs/console the main screens are saved there for docs/console.md.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { Page } from "playwright-core";
import { addHost, createCluster } from "../../src/cluster/cluster-file.ts";
import { chromiumBinary, type OpenedPage, openPage, pageValue } from "../helpers/browser.ts";
import {
  bytes,
  md5Hex,
  s3Client,
  s3dirCli,
  startHost,
  type TestServer,
  testCredentials,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const shots = process.env.S3DIR_CONSOLE_SCREENSHOTS;
const work = mkdtempSync(join(tmpdir(), "s3dir-console-"));
const shotDir = shots ?? join(work, "shots");
mkdirSync(shotDir, { recursive: true });

describe.skipIf(!chromiumBinary)("console in a browser", () => {
  let server: TestServer;
  let second: TestServer | undefined;
  let browser: OpenedPage;
  let page: Page;
  const bucket = uniqueBucket("console");
  const big = bytes(20 * 1024 * 1024, 7);
  const bigFile = join(work, "twenty-mib.bin");
  /** Waits for an expression to hold in the page; returns its value. */
  const until = <T = unknown>(expression: string, timeoutMs?: number) =>
    pageValue<T>(page, expression, timeoutMs);
  const text = (selector: string) =>
    `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? "")`;

  beforeAll(async () => {
    writeFileSync(bigFile, big);
    server = await startHost();
    await createCluster(server.root, [{ address: new URL(server.endpoint).host, scheme: "http" }]);
    // A webhook nobody answers: every host keeps its events in its spool, for the cluster page.
    const webhook = ["audit-webhook", "enable", "--url", "http://127.0.0.1:9/collect", "--format", "json"];
    expect((await s3dirCli(server.root, ...webhook)).code).toBe(0);
    browser = await openPage();
    page = browser.page;
  });
  afterAll(async () => {
    await browser?.close();
    await second?.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("sign in exchanges the keys for session credentials kept in sessionStorage only", async () => {
    await page.goto(`${server.endpoint}/_console/`);
    await until("!!document.querySelector('#signin')");
    await page.screenshot({ path: join(shotDir, "sign-in.png") });
    await page.fill("#access-key", testCredentials.accessKeyId);
    await page.fill("#secret-key", testCredentials.secretAccessKey);
    await page.evaluate("document.querySelector('#signin').requestSubmit()");
    await until("!!document.querySelector('#buckets')", 10_000);
    const stored = await page.evaluate<string>("sessionStorage.getItem('s3dir-console-session')");
    const session = JSON.parse(stored) as { accessKeyId: string; secretAccessKey: string };
    expect(session.accessKeyId).toStartWith("ASIA");
    expect(stored).not.toContain(testCredentials.secretAccessKey);
    expect(await page.evaluate<number>("localStorage.length")).toBe(0);
    expect(await page.evaluate<string>(text("#whoami"))).toContain("assumed-role/s3dir-console/console");
  });

  test("create a bucket and open it", async () => {
    await page.fill("#new-bucket", bucket);
    await page.click("#create-bucket");
    await until(
      `[...document.querySelectorAll('.bucket-link')].some((a) => a.textContent === ${JSON.stringify(bucket)})`,
    );
    await until(`${text(`.usage[data-bucket="${bucket}"]`)} === "no quota"`);
    await page.screenshot({ path: join(shotDir, "buckets.png") });
    await page.evaluate(`location.hash = "#/b/${bucket}/"`);
    await until(`${text("#objects-status")}.startsWith("Page 1")`);
  });

  test("a 20 MiB upload goes in parts and the total bar moves through it", async () => {
    // Every value the total bar takes, recorded in the page as it is set (no polling race).
    await page.evaluate(`(() => {
      window.__progress = [];
      const bar = document.querySelector("#upload-total");
      new MutationObserver(() => window.__progress.push([Number(bar.value), Number(bar.max)]))
        .observe(bar, { attributes: true });
    })()`);
    await page.setInputFiles("#upload-input", [bigFile]);
    await until(`${text(".upload-state")} === "done"`, 60_000);
    const seen = await page.evaluate<[number, number][]>("window.__progress");
    const size = big.byteLength;
    expect(seen.some(([value, max]) => max === size && value > 0 && value < size)).toBe(true);
    expect(seen.at(-1)).toEqual([size, size]);
    const head = await s3Client(server).send(
      new HeadObjectCommand({ Bucket: bucket, Key: "twenty-mib.bin" }),
    );
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toEndWith('-3"');
    await until(
      `[...document.querySelectorAll('.object-link')].some((a) => a.textContent === "twenty-mib.bin")`,
    );
    await page.screenshot({ path: join(shotDir, "objects.png") });
  });

  test("cancel stops a multipart upload and aborts it; retry sends a refused upload again", async () => {
    const cancelled = join(work, "cancel-me.bin");
    writeFileSync(cancelled, big);
    // Cancel from the page at the first progress of the first part, as a person clicking would.
    await page.evaluate(`(() => {
      const list = document.querySelector("#upload-list");
      const observer = new MutationObserver(() => {
        const row = [...list.querySelectorAll(".upload-row")].find((r) => r.textContent.startsWith("cancel-me.bin"));
        const bar = row?.querySelector("progress");
        if (bar && Number(bar.value) > 0 && Number(bar.value) < Number(bar.max)) {
          observer.disconnect();
          row.querySelector(".upload-cancel").click();
        }
      });
      observer.observe(list, { subtree: true, childList: true, attributes: true });
    })()`);
    await page.setInputFiles("#upload-input", [cancelled]);
    const row = `[...document.querySelectorAll(".upload-row")].find((r) => r.textContent.startsWith("cancel-me.bin"))`;
    await until(`${row}?.querySelector(".upload-state")?.textContent === "cancelled"`, 30_000);
    const s3 = s3Client(server);
    expect(
      await waitFor(async () => {
        const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        return (uploads.Uploads ?? []).length === 0;
      }, 5000),
    ).toBe(true);
    const gone = await s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: "cancel-me.bin" }))
      .catch((e) => e);
    expect(gone.name).toBe("NotFound");

    // A bucket whose quota refuses the file: the upload fails; once the quota is raised, Retry sends it.
    const small = uniqueBucket("retry");
    expect((await s3dirCli(server.root, "bucket", "create", small, "--hard-quota", "1MiB")).code).toBe(0);
    const twoMib = join(work, "two-mib.bin");
    writeFileSync(twoMib, big.subarray(0, 2 * 1024 * 1024));
    await page.evaluate(`location.hash = "#/b/${small}/"`);
    await until(`${text("#objects-status")}.startsWith("Page 1")`);
    await page.setInputFiles("#upload-input", [twoMib]);
    await until(`${text(".upload-state")} === "failed"`, 30_000);
    expect((await s3dirCli(server.root, "bucket", "quota", "set", small, "10MiB")).code).toBe(0);
    // The host rereads a quota within about a second: retry until it is taken.
    expect(
      await waitFor(async () => {
        const state = await page.evaluate<string>(text(".upload-state"));
        if (state === "failed") await page.click(".upload-retry");
        return state === "done";
      }, 10_000),
    ).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: small, Key: "two-mib.bin" }));
    expect(head.ContentLength).toBe(2 * 1024 * 1024);
    s3.destroy();
    await page.evaluate(`location.hash = "#/b/${bucket}/"`);
    await until(
      `[...document.querySelectorAll('.object-link')].some((a) => a.textContent === "twenty-mib.bin")`,
    );
  });

  test("share: a presigned link with its exact expiry, fetched with curl", async () => {
    await page.evaluate(
      `[...document.querySelectorAll('.object-link')].find((a) => a.textContent === "twenty-mib.bin").click()`,
    );
    await until("!!document.querySelector('#object-details')");
    await page.click("#share");
    const url = await until<string>("document.querySelector('#share-url')?.value");
    const expires = await page.evaluate<string>(text("#share-expires"));
    const iso = /Valid until (\S+)/.exec(expires)?.[1] ?? "";
    expect(Math.abs(Date.parse(iso) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    await page.screenshot({ path: join(shotDir, "object-details.png") });
    // Asynchronously: the host answers from this process.
    const curl = Bun.spawn(["curl", "-sS", "--max-time", "30", url], { stdout: "pipe" });
    const body = new Uint8Array(await new Response(curl.stdout).arrayBuffer());
    expect(await curl.exited).toBe(0);
    expect(md5Hex(body)).toBe(md5Hex(big));
  });

  test("the download preset lifts the public access block after a confirmation; anonymous reads work", async () => {
    const anonymous = `${server.endpoint}/${bucket}/twenty-mib.bin`;
    expect((await fetch(anonymous, { method: "HEAD" })).status).toBe(403);
    await page.evaluate(
      `(() => { const s = document.querySelector("#preset-select"); s.value = "download"; })()`,
    );
    await page.click("#preset-apply");
    await page.click("#confirm-ok");
    await until(`${text("#preset-status")} === "anonymous access: download"`);
    expect(await page.evaluate<string>(text("#bucket-policy"))).toContain("s3:GetObject");
    const read = await fetch(anonymous);
    expect(read.status).toBe(200);
    expect((await read.arrayBuffer()).byteLength).toBe(big.byteLength);
  });

  test("keys and metadata with markup are shown as text and never run", async () => {
    const key = `<img src=x onerror="window.__xss=1">.txt`;
    await s3Client(server).send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: "x",
        Metadata: { note: "<script>window.__xss=2</script><b>bold</b>" },
      }),
    );
    await page.evaluate(`location.hash = "#/b/${bucket}/?"; location.hash = "#/b/${bucket}/"`);
    await until(
      `[...document.querySelectorAll('.object-link')].some((a) => a.textContent === ${JSON.stringify(key)})`,
    );
    await page.evaluate(
      `[...document.querySelectorAll('.object-link')].find((a) => a.textContent === ${JSON.stringify(key)}).click()`,
    );
    await until(`${text("#detail-meta")}.includes("<script>")`);
    expect(await page.evaluate<string>(text("#detail-meta"))).toBe(
      "note: <script>window.__xss=2</script><b>bold</b>",
    );
    expect(
      await page.evaluate<number>("document.querySelectorAll('#app img, #app script, #app b').length"),
    ).toBe(0);
    expect(await page.evaluate<unknown>("window.__xss ?? null")).toBeNull();
  });

  test("folders, paging with continuation tokens, and deleting a selection after a confirmation", async () => {
    const s3 = s3Client(server);
    for (let i = 0; i < 60; i++) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `many/${String(i).padStart(2, "0")}.txt`, Body: "m" }),
      );
    }
    await page.evaluate(`location.hash = "#/"; location.hash = "#/b/${bucket}/"`);
    await until(`[...document.querySelectorAll('.folder-link')].some((a) => a.textContent === "many/")`);
    await page.evaluate(
      `[...document.querySelectorAll('.folder-link')].find((a) => a.textContent === "many/").click()`,
    );
    await page.evaluate(
      `(() => { const s = document.querySelector("#page-size"); s.value = "50"; s.dispatchEvent(new Event("change")); })()`,
    );
    await until(`${text("#objects-status")} === "Page 1: 0 folders, 50 objects, more on the next page"`);
    await page.click("#page-next");
    await until(`${text("#objects-status")} === "Page 2: 0 folders, 10 objects"`);
    expect(await page.evaluate<boolean>("document.querySelector('#page-next').disabled")).toBe(true);
    await page.evaluate(
      `[...document.querySelectorAll('tr.object')].slice(0, 2).forEach((r) => r.querySelector('.select').click())`,
    );
    await page.click("#delete-selected");
    await page.click("#confirm-ok");
    await until(`${text("#objects-status")} === "Page 2: 0 folders, 8 objects"`);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "many/" }));
    expect(left.KeyCount).toBe(58);
    expect(left.Contents?.some((o) => o.Key === "many/50.txt")).toBe(false);
  });

  test("a page of 1,000 keys: every row there and reached by keyboard, a range and the whole page deleted", async () => {
    const s3 = s3Client(server);
    const keys = Array.from({ length: 1000 }, (_, i) => `thousand/${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "t" }))),
      );
    }
    await page.evaluate(`location.hash = "#/b/${bucket}/thousand%2F"`);
    await until(`${text("#objects-status")}.startsWith("Page 1")`);
    await page.evaluate(
      `(() => { const s = document.querySelector("#page-size"); s.value = "1000"; s.dispatchEvent(new Event("change")); })()`,
    );
    await until(`${text("#objects-status")} === "Page 1: 0 folders, 1000 objects"`);
    const timing = await page.evaluate<{ rows: number; ms: number }>(
      `(() => { const m = performance.getEntriesByName("s3dir:render-objects").at(-1); return { rows: m.detail, ms: m.duration }; })()`,
    );
    expect(timing.rows).toBe(1000);
    // The time itself depends on the machine: scripts/console-measure.ts reports it (docs/console.md).
    expect(timing.ms).toBeGreaterThan(0);
    const names = await page.evaluate<string[]>(
      "[...document.querySelectorAll('tr.object .object-link')].map((b) => b.textContent)",
    );
    expect(names).toEqual(keys.map((k) => k.slice("thousand/".length)));

    // The last row, far below the screen, is reached with the keyboard: focus, Tab to its name, Enter.
    const boxes = page.locator("tr.object .select");
    await boxes.nth(999).focus();
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("0999.txt");
    await page.keyboard.press("Enter");
    await until(`${text("#object-details h2")} === "thousand/0999.txt"`);
    const checked = "document.querySelectorAll('tr.object .select:checked').length";
    expect(await page.evaluate<number>(checked)).toBe(1);
    expect(await page.evaluate<boolean>("document.querySelector('#delete-selected').disabled")).toBe(false);

    // A range with Shift+click, then the whole page with the header's checkbox.
    await boxes.nth(0).click();
    await boxes.nth(9).click({ modifiers: ["Shift"] });
    expect(await page.evaluate<number>(checked)).toBe(11);
    expect(await page.evaluate<boolean>("document.querySelector('#select-all').indeterminate")).toBe(true);
    await page.click("#select-all");
    expect(await page.evaluate<number>(checked)).toBe(1000);
    await page.click("#delete-selected");
    await until(`${text("#confirm p")}.startsWith("Delete 1000 object(s)")`);
    await page.click("#confirm-ok");
    await until(`${text("#objects-status")} === "Page 1: 0 folders, 0 objects"`);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "thousand/" }));
    expect(left.KeyCount).toBe(0);
    s3.destroy();
  });

  test("admin: a user, a key whose secret is shown once, a custom policy attached from the row, the key disabled", async () => {
    await page.click("#nav-admin");
    await page.fill("#new-user", "console-alice");
    await page.click("#create-user");
    await until(
      `[...document.querySelectorAll('tr.user')].some((r) => r.firstChild.textContent === "console-alice")`,
    );
    await page.evaluate(
      `[...document.querySelectorAll('tr.user')].find((r) => r.firstChild.textContent === "console-alice").querySelector(".create-key").click()`,
    );
    const secret = await until<string>(text("#new-key-secret"));
    const id = await page.evaluate<string>(text("#new-key-id"));
    expect(secret.length).toBeGreaterThanOrEqual(40);
    await until(`${text("#users")}.includes(${JSON.stringify(id)})`);
    // The new key signs requests: its user has no policies yet, so an upload is AccessDenied (not an unknown key).
    const asAlice = s3Client(server, { accessKeyId: id, secretAccessKey: secret });
    const denied = await asAlice
      .send(new PutObjectCommand({ Bucket: bucket, Key: "alice.txt", Body: "a" }))
      .catch((e) => e);
    expect(denied.name).toBe("AccessDenied");
    await page.fill("#policy-name", "broken");
    await page.fill("#policy-json", "{ not json");
    await page.click("#policy-save");
    await until(`${text("#policy-status")}.startsWith("Not saved")`);

    // A custom policy, attached to the user from its row, lets the key upload.
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${bucket}/*`] }],
    };
    await page.fill("#policy-name", "console-alice-put");
    await page.fill("#policy-json", JSON.stringify(policy, null, 2));
    await page.click("#policy-save");
    await until(`${text("#policy-status")} === "Saved."`);
    const aliceRow = `[...document.querySelectorAll('tr.user')].find((r) => r.firstChild.textContent === "console-alice")`;
    await until(`!!${aliceRow}?.querySelector('.attach-select option[value$="/console-alice-put"]')`);
    await page.evaluate(`(() => {
      const row = ${aliceRow};
      const select = row.querySelector('.attach-select');
      select.value = [...select.options].find((o) => o.value.endsWith("/console-alice-put")).value;
      row.querySelector('.attach').click();
    })()`);
    await until(`${aliceRow}?.querySelector('.attached')?.textContent.startsWith("console-alice-put")`);
    expect(
      await waitFor(async () => {
        const put = await asAlice
          .send(new PutObjectCommand({ Bucket: bucket, Key: "alice.txt", Body: "a" }))
          .catch((e) => e);
        return put?.$metadata?.httpStatusCode === 200;
      }, 5000),
    ).toBe(true);
    // Built-in and custom policies are told apart; a document is shown as JSON.
    const policyRow = (name: string) =>
      `[...document.querySelectorAll('tr.policy')].find((r) => r.firstChild.textContent === ${JSON.stringify(name)})`;
    expect(await page.evaluate<string>(`${policyRow("readonly")}.children[1].textContent`)).toBe("built-in");
    expect(await page.evaluate<string>(`${policyRow("console-alice-put")}.children[1].textContent`)).toBe(
      "custom",
    );
    await page.evaluate(`${policyRow("console-alice-put")}.querySelector('.policy-show').click()`);
    await until(`${text("#policy-document")}.includes("arn:aws:s3:::${bucket}/*")`);
    await page.screenshot({ path: join(shotDir, "admin.png") });

    // Disabling the key from its row refuses it.
    await page.evaluate(
      `[...${aliceRow}.querySelectorAll('.key button')].find((b) => b.textContent === "Disable").click()`,
    );
    await until(`${aliceRow}?.querySelector('.key')?.textContent.includes("(inactive)")`);
    expect(
      await waitFor(async () => {
        const put = await asAlice
          .send(new PutObjectCommand({ Bucket: bucket, Key: "alice.txt", Body: "b" }))
          .catch((e) => e);
        return put?.name === "InvalidAccessKeyId";
      }, 5000),
    ).toBe(true);
    asAlice.destroy();
  });

  test("the cluster page shows a second host once it joins", async () => {
    await page.click("#nav-cluster");
    await until("document.querySelectorAll('tr.cluster-host').length === 1");
    second = await startHost({ root: server.root });
    await addHost(server.root, { address: new URL(second.endpoint).host, scheme: "http" });
    await until("document.querySelectorAll('tr.cluster-host .ready').length === 2", 15_000);
    expect(await page.evaluate<string>(text("#cluster-space"))).toMatch(/free of/);
    // Each host's audit spool, read from the shared root: this host's and the new one's.
    await until("document.querySelectorAll('tr.audit-spool').length === 2", 15_000);
    const spools = await page.evaluate<string[]>(
      "[...document.querySelectorAll('tr.audit-spool td:first-child')].map((td) => td.textContent)",
    );
    expect(spools.filter((name) => name.endsWith("(this host)"))).toHaveLength(1);
    expect(await page.evaluate<string>(text("#host-webhook"))).toStartWith("Audit webhook: enabled");
    await page.screenshot({ path: join(shotDir, "cluster.png") });
  });

  test("sign out clears the session credentials", async () => {
    await page.click("#sign-out");
    await until("!!document.querySelector('#signin')");
    expect(await page.evaluate<unknown>("sessionStorage.getItem('s3dir-console-session')")).toBeNull();
  });
});

/**
 * The web console in a real headless chromium: sign in, create a bucket, upload a 20 MiB file in
 * parts while the total progress bar moves, share a link and fetch it with curl, set the download
 * preset and read anonymously, render keys and metadata with markup as text, create a user and a
 * key as admin, see a second host appear on the cluster page, sign out. With
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
import { addHost, createCluster } from "../../src/cluster/cluster-file.ts";
import { chromiumBinary } from "../helpers/browser.ts";
import { type BrowserSession, openBrowser } from "../helpers/browser-session.ts";
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
  let browser: BrowserSession;
  const bucket = uniqueBucket("console");
  const big = bytes(20 * 1024 * 1024, 7);
  const bigFile = join(work, "twenty-mib.bin");
  const text = (selector: string) =>
    `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? "")`;

  beforeAll(async () => {
    writeFileSync(bigFile, big);
    server = await startHost();
    await createCluster(server.root, [{ address: new URL(server.endpoint).host, scheme: "http" }]);
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await second?.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("sign in exchanges the keys for session credentials kept in sessionStorage only", async () => {
    await browser.goto(`${server.endpoint}/_console/`);
    await browser.waitFor("!!document.querySelector('#signin')");
    await browser.screenshot(join(shotDir, "sign-in.png"));
    await browser.type("#access-key", testCredentials.accessKeyId);
    await browser.type("#secret-key", testCredentials.secretAccessKey);
    await browser.eval("document.querySelector('#signin').requestSubmit()");
    await browser.waitFor("!!document.querySelector('#buckets')", 10_000, "the bucket list");
    const stored = await browser.eval<string>("sessionStorage.getItem('s3dir-console-session')");
    const session = JSON.parse(stored) as { accessKeyId: string; secretAccessKey: string };
    expect(session.accessKeyId).toStartWith("ASIA");
    expect(stored).not.toContain(testCredentials.secretAccessKey);
    expect(await browser.eval<number>("localStorage.length")).toBe(0);
    expect(await browser.eval<string>(text("#whoami"))).toContain("assumed-role/s3dir-console/console");
  });

  test("create a bucket and open it", async () => {
    await browser.type("#new-bucket", bucket);
    await browser.click("#create-bucket");
    await browser.waitFor(
      `[...document.querySelectorAll('.bucket-link')].some((a) => a.textContent === ${JSON.stringify(bucket)})`,
    );
    await browser.waitFor(`${text(`.usage[data-bucket="${bucket}"]`)} === "no quota"`);
    await browser.screenshot(join(shotDir, "buckets.png"));
    await browser.eval(`location.hash = "#/b/${bucket}/"`);
    await browser.waitFor(`${text("#objects-status")}.startsWith("Page 1")`);
  });

  test("a 20 MiB upload goes in parts and the total bar moves through it", async () => {
    // Every value the total bar takes, recorded in the page as it is set (no polling race).
    await browser.eval(`(() => {
      window.__progress = [];
      const bar = document.querySelector("#upload-total");
      new MutationObserver(() => window.__progress.push([Number(bar.value), Number(bar.max)]))
        .observe(bar, { attributes: true });
    })()`);
    await browser.setFiles("#upload-input", [bigFile]);
    await browser.waitFor(`${text(".upload-state")} === "done"`, 60_000, "the upload to finish");
    const seen = await browser.eval<[number, number][]>("window.__progress");
    const size = big.byteLength;
    expect(seen.some(([value, max]) => max === size && value > 0 && value < size)).toBe(true);
    expect(seen.at(-1)).toEqual([size, size]);
    const head = await s3Client(server).send(
      new HeadObjectCommand({ Bucket: bucket, Key: "twenty-mib.bin" }),
    );
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toEndWith('-3"');
    await browser.waitFor(
      `[...document.querySelectorAll('.object-link')].some((a) => a.textContent === "twenty-mib.bin")`,
    );
    await browser.screenshot(join(shotDir, "objects.png"));
  });

  test("cancel stops a multipart upload and aborts it; retry sends a refused upload again", async () => {
    const cancelled = join(work, "cancel-me.bin");
    writeFileSync(cancelled, big);
    // Cancel from the page at the first progress of the first part, as a person clicking would.
    await browser.eval(`(() => {
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
    await browser.setFiles("#upload-input", [cancelled]);
    const row = `[...document.querySelectorAll(".upload-row")].find((r) => r.textContent.startsWith("cancel-me.bin"))`;
    await browser.waitFor(`${row}?.querySelector(".upload-state")?.textContent === "cancelled"`, 30_000);
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
    await browser.eval(`location.hash = "#/b/${small}/"`);
    await browser.waitFor(`${text("#objects-status")}.startsWith("Page 1")`);
    await browser.setFiles("#upload-input", [twoMib]);
    await browser.waitFor(`${text(".upload-state")} === "failed"`, 30_000);
    expect((await s3dirCli(server.root, "bucket", "quota", "set", small, "10MiB")).code).toBe(0);
    // The host rereads a quota within about a second: retry until it is taken.
    expect(
      await waitFor(async () => {
        const state = await browser.eval<string>(text(".upload-state"));
        if (state === "failed") await browser.click(".upload-retry");
        return state === "done";
      }, 10_000),
    ).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: small, Key: "two-mib.bin" }));
    expect(head.ContentLength).toBe(2 * 1024 * 1024);
    s3.destroy();
    await browser.eval(`location.hash = "#/b/${bucket}/"`);
    await browser.waitFor(
      `[...document.querySelectorAll('.object-link')].some((a) => a.textContent === "twenty-mib.bin")`,
    );
  });

  test("share: a presigned link with its exact expiry, fetched with curl", async () => {
    await browser.eval(
      `[...document.querySelectorAll('.object-link')].find((a) => a.textContent === "twenty-mib.bin").click()`,
    );
    await browser.waitFor("!!document.querySelector('#object-details')");
    await browser.click("#share");
    const url = await browser.waitFor<string>("document.querySelector('#share-url')?.value");
    const expires = await browser.eval<string>(text("#share-expires"));
    const iso = /Valid until (\S+)/.exec(expires)?.[1] ?? "";
    expect(Math.abs(Date.parse(iso) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    await browser.screenshot(join(shotDir, "object-details.png"));
    // Asynchronously: the host answers from this process.
    const curl = Bun.spawn(["curl", "-sS", "--max-time", "30", url], { stdout: "pipe" });
    const body = new Uint8Array(await new Response(curl.stdout).arrayBuffer());
    expect(await curl.exited).toBe(0);
    expect(md5Hex(body)).toBe(md5Hex(big));
  });

  test("the download preset lifts the public access block after a confirmation; anonymous reads work", async () => {
    const anonymous = `${server.endpoint}/${bucket}/twenty-mib.bin`;
    expect((await fetch(anonymous, { method: "HEAD" })).status).toBe(403);
    await browser.eval(
      `(() => { const s = document.querySelector("#preset-select"); s.value = "download"; })()`,
    );
    await browser.click("#preset-apply");
    await browser.click("#confirm-ok");
    await browser.waitFor(`${text("#preset-status")} === "anonymous access: download"`);
    expect(await browser.eval<string>(text("#bucket-policy"))).toContain("s3:GetObject");
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
    await browser.eval(`location.hash = "#/b/${bucket}/?"; location.hash = "#/b/${bucket}/"`);
    await browser.waitFor(
      `[...document.querySelectorAll('.object-link')].some((a) => a.textContent === ${JSON.stringify(key)})`,
    );
    await browser.eval(
      `[...document.querySelectorAll('.object-link')].find((a) => a.textContent === ${JSON.stringify(key)}).click()`,
    );
    await browser.waitFor(`${text("#detail-meta")}.includes("<script>")`);
    expect(await browser.eval<string>(text("#detail-meta"))).toBe(
      "note: <script>window.__xss=2</script><b>bold</b>",
    );
    expect(
      await browser.eval<number>("document.querySelectorAll('#app img, #app script, #app b').length"),
    ).toBe(0);
    expect(await browser.eval<unknown>("window.__xss ?? null")).toBeNull();
  });

  test("folders, paging with continuation tokens, and deleting a selection after a confirmation", async () => {
    const s3 = s3Client(server);
    for (let i = 0; i < 60; i++) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `many/${String(i).padStart(2, "0")}.txt`, Body: "m" }),
      );
    }
    await browser.eval(`location.hash = "#/"; location.hash = "#/b/${bucket}/"`);
    await browser.waitFor(
      `[...document.querySelectorAll('.folder-link')].some((a) => a.textContent === "many/")`,
    );
    await browser.eval(
      `[...document.querySelectorAll('.folder-link')].find((a) => a.textContent === "many/").click()`,
    );
    await browser.eval(
      `(() => { const s = document.querySelector("#page-size"); s.value = "50"; s.dispatchEvent(new Event("change")); })()`,
    );
    await browser.waitFor(
      `${text("#objects-status")} === "Page 1: 0 folders, 50 objects, more on the next page"`,
    );
    await browser.click("#page-next");
    await browser.waitFor(`${text("#objects-status")} === "Page 2: 0 folders, 10 objects"`);
    expect(await browser.eval<boolean>("document.querySelector('#page-next').disabled")).toBe(true);
    await browser.eval(
      `[...document.querySelectorAll('tr.object')].slice(0, 2).forEach((r) => r.querySelector('.select').click())`,
    );
    await browser.click("#delete-selected");
    await browser.click("#confirm-ok");
    await browser.waitFor(`${text("#objects-status")} === "Page 2: 0 folders, 8 objects"`);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "many/" }));
    expect(left.KeyCount).toBe(58);
    expect(left.Contents?.some((o) => o.Key === "many/50.txt")).toBe(false);
  });

  test("a page of 1,000 keys renders in under 100 ms", async () => {
    const s3 = s3Client(server);
    const keys = Array.from({ length: 1000 }, (_, i) => `thousand/${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "t" }))),
      );
    }
    s3.destroy();
    await browser.eval(`location.hash = "#/b/${bucket}/thousand%2F"`);
    await browser.waitFor(`${text("#objects-status")}.startsWith("Page 1")`);
    await browser.eval(
      `(() => { const s = document.querySelector("#page-size"); s.value = "1000"; s.dispatchEvent(new Event("change")); })()`,
    );
    await browser.waitFor(`${text("#objects-status")} === "Page 1: 0 folders, 1000 objects"`);
    const timing = await browser.eval<{ rows: number; ms: number }>(
      `(() => { const m = performance.getEntriesByName("s3dir:render-objects").at(-1); return { rows: m.detail, ms: m.duration }; })()`,
    );
    expect(timing.rows).toBe(1000);
    expect(timing.ms).toBeLessThan(100);
  });

  test("admin: a user, a key whose secret is shown once, a custom policy attached from the row, the key disabled", async () => {
    await browser.click("#nav-admin");
    await browser.type("#new-user", "console-alice");
    await browser.click("#create-user");
    await browser.waitFor(
      `[...document.querySelectorAll('tr.user')].some((r) => r.firstChild.textContent === "console-alice")`,
    );
    await browser.eval(
      `[...document.querySelectorAll('tr.user')].find((r) => r.firstChild.textContent === "console-alice").querySelector(".create-key").click()`,
    );
    const secret = await browser.waitFor<string>(text("#new-key-secret"));
    const id = await browser.eval<string>(text("#new-key-id"));
    expect(secret.length).toBeGreaterThanOrEqual(40);
    await browser.waitFor(`${text("#users")}.includes(${JSON.stringify(id)})`);
    // The new key signs requests: its user has no policies yet, so an upload is AccessDenied (not an unknown key).
    const asAlice = s3Client(server, { accessKeyId: id, secretAccessKey: secret });
    const denied = await asAlice
      .send(new PutObjectCommand({ Bucket: bucket, Key: "alice.txt", Body: "a" }))
      .catch((e) => e);
    expect(denied.name).toBe("AccessDenied");
    await browser.type("#policy-name", "broken");
    await browser.type("#policy-json", "{ not json");
    await browser.click("#policy-save");
    await browser.waitFor(`${text("#policy-status")}.startsWith("Not saved")`);

    // A custom policy, attached to the user from its row, lets the key upload.
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${bucket}/*`] }],
    };
    await browser.type("#policy-name", "console-alice-put");
    await browser.type("#policy-json", JSON.stringify(policy, null, 2));
    await browser.click("#policy-save");
    await browser.waitFor(`${text("#policy-status")} === "Saved."`);
    const aliceRow = `[...document.querySelectorAll('tr.user')].find((r) => r.firstChild.textContent === "console-alice")`;
    await browser.waitFor(
      `!!${aliceRow}?.querySelector('.attach-select option[value$="/console-alice-put"]')`,
    );
    await browser.eval(`(() => {
      const row = ${aliceRow};
      const select = row.querySelector('.attach-select');
      select.value = [...select.options].find((o) => o.value.endsWith("/console-alice-put")).value;
      row.querySelector('.attach').click();
    })()`);
    await browser.waitFor(
      `${aliceRow}?.querySelector('.attached')?.textContent.startsWith("console-alice-put")`,
    );
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
    expect(await browser.eval<string>(`${policyRow("readonly")}.children[1].textContent`)).toBe("built-in");
    expect(await browser.eval<string>(`${policyRow("console-alice-put")}.children[1].textContent`)).toBe(
      "custom",
    );
    await browser.eval(`${policyRow("console-alice-put")}.querySelector('.policy-show').click()`);
    await browser.waitFor(`${text("#policy-document")}.includes("arn:aws:s3:::${bucket}/*")`);
    await browser.screenshot(join(shotDir, "admin.png"));

    // Disabling the key from its row refuses it.
    await browser.eval(
      `[...${aliceRow}.querySelectorAll('.key button')].find((b) => b.textContent === "Disable").click()`,
    );
    await browser.waitFor(`${aliceRow}?.querySelector('.key')?.textContent.includes("(inactive)")`);
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
    await browser.click("#nav-cluster");
    await browser.waitFor("document.querySelectorAll('tr.cluster-host').length === 1");
    second = await startHost({ root: server.root });
    await addHost(server.root, { address: new URL(second.endpoint).host, scheme: "http" });
    await browser.waitFor(
      "document.querySelectorAll('tr.cluster-host .ready').length === 2",
      15_000,
      "two ready hosts",
    );
    expect(await browser.eval<string>(text("#cluster-space"))).toMatch(/free of/);
    await browser.screenshot(join(shotDir, "cluster.png"));
  });

  test("sign out clears the session credentials", async () => {
    await browser.click("#sign-out");
    await browser.waitFor("!!document.querySelector('#signin')");
    expect(await browser.eval<unknown>("sessionStorage.getItem('s3dir-console-session')")).toBeNull();
  });
});

describe.skipIf(!chromiumBinary)("console over plain HTTP at an address that is not localhost", () => {
  test("a page without crypto.subtle still signs in and lists buckets", async () => {
    const server = await startHost();
    // console.test resolves to the host, and an http:// origin other than localhost is not a secure context.
    const browser = await openBrowser({ args: ["--host-resolver-rules=MAP console.test 127.0.0.1"] });
    try {
      const port = new URL(server.endpoint).port;
      await browser.goto(`http://console.test:${port}/_console/`);
      expect(await browser.eval<boolean>("window.isSecureContext")).toBe(false);
      await browser.type("#access-key", testCredentials.accessKeyId);
      await browser.type("#secret-key", testCredentials.secretAccessKey);
      await browser.eval("document.querySelector('#signin').requestSubmit()");
      await browser.waitFor("!!document.querySelector('#buckets')", 10_000, "the bucket list");
      await browser.waitFor(
        `${'(document.querySelector("#buckets-status")?.textContent ?? "")'}.endsWith("bucket(s)")`,
      );
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});

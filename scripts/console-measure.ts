/**
 * Measures the web console in headless Chromium (Debian's `chromium`, through playwright-core) on
 * this machine, against a host started in this process on 127.0.0.1:
 *
 *   bun scripts/console-measure.ts [--renders 10]
 *
 * - first load: every response the sign-in page fetches, each body gzip-compressed, summed;
 * - a page of 1,000 keys: the page's own `s3dir:render-objects` measure (building the rows of a
 *   listing already fetched), over --renders renders; and that plus the style and layout it makes
 *   the browser do (forced and timed right after the rows are built), and the time from the start of
 *   the build until the next frame has been painted.
 *
 * Prints one line per figure. Everything it starts is stopped at the end.
 */
import { parseArgs } from "node:util";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { openPage } from "../test/helpers/browser.ts";
import { s3Client, startHost, testCredentials } from "../test/helpers/index.ts";

const { values } = parseArgs({ options: { renders: { type: "string", default: "10" } } });
const renders = Math.max(1, Math.min(50, Number(values.renders) || 10));

const server = await startHost();
const browser = await openPage({ timeoutMs: 30_000 });
const { page } = browser;
const text = (selector: string) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? "")`;
const until = async (expression: string) =>
  await page.waitForFunction(new Function(`return (${expression});`) as () => unknown, undefined, {
    timeout: 30_000,
  });

try {
  const s3 = s3Client(server);
  const bucket = "measure";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys = Array.from({ length: 1000 }, (_, i) => `k/${String(i).padStart(4, "0")}.txt`);
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x" }))),
    );
  }
  s3.destroy();

  const loaded: string[] = [];
  page.on("requestfinished", (request) => loaded.push(request.url()));
  await page.goto(`${server.endpoint}/_console/`);
  await until("!!document.querySelector('#signin')");
  page.removeAllListeners("requestfinished");
  let compressed = 0;
  for (const url of loaded) {
    compressed += Bun.gzipSync(new Uint8Array(await (await fetch(url)).arrayBuffer())).byteLength;
  }
  console.log(
    `first load: ${loaded.length} responses, ${(compressed / 1024).toFixed(1)} KiB gzip-compressed`,
  );

  await page.fill("#access-key", testCredentials.accessKeyId);
  await page.fill("#secret-key", testCredentials.secretAccessKey);
  await page.click("#signin button[type=submit]");
  await until("!!document.querySelector('#buckets')");
  await page.evaluate(`location.hash = "#/b/${bucket}/k%2F"`);
  await until(`${text("#objects-status")}.startsWith("Page 1")`);
  const build: number[] = [];
  const toFrame: number[] = [];
  const toPaint: number[] = [];
  for (let i = 0; i < renders; i++) {
    // Each change of the page size lists again and renders the rows anew.
    for (const size of ["50", "1000"]) {
      await page.evaluate(`(() => {
        window.__frame = new Promise((resolve) => {
          // Right after the rows are built (the page's measure), style and layout are forced at
          // once and timed: what the browser must do before it can paint the new rows.
          const measure = performance.measure.bind(performance);
          performance.measure = (name, options) => {
            const entry = measure(name, options);
            if (name !== "s3dir:render-objects" || options.detail !== ${size === "1000" ? 1000 : 50}) return entry;
            performance.measure = measure;
            const t = performance.now();
            document.body.getBoundingClientRect();
            document.querySelector("#app").offsetHeight;
            const frame = entry.duration + performance.now() - t;
            // The next frame's callback runs before it is painted; a message posted there is
            // delivered after the paint.
            requestAnimationFrame(() => {
              const channel = new MessageChannel();
              channel.port1.onmessage = () =>
                resolve({ ms: entry.duration, frame, painted: performance.now() - entry.startTime });
              channel.port2.postMessage(0);
            });
            return entry;
          };
        });
        const s = document.querySelector("#page-size");
        s.value = "${size}";
        s.dispatchEvent(new Event("change"));
      })()`);
      const timing = await page.evaluate<{ ms: number; frame: number; painted: number }>("window.__frame");
      if (size === "1000") {
        build.push(timing.ms);
        toFrame.push(timing.frame);
        toPaint.push(timing.painted);
      }
    }
    await until(`${text("#objects-status")} === "Page 1: 0 folders, 1000 objects"`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const describe = (xs: number[]) =>
    `median ${median(xs).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`1,000 keys, rows built (${renders} renders): ${describe(build)}`);
  console.log(`1,000 keys, rows built, style and layout: ${describe(toFrame)}`);
  console.log(`1,000 keys, rows built to the next frame painted: ${describe(toPaint)}`);
} finally {
  await browser.close();
  await server.stop();
}

/**
 * A real browser for tests: Debian's chromium, headless, driven by playwright-core. Each page gets
 * a fresh context (own cookies and storage); close() ends the browser.
 *
 *   const { page, close } = await openPage();
 *   await page.goto(`${server.endpoint}/_console/`);
 */
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";

export const chromiumBinary =
  Bun.which("chromium") ?? Bun.which("chromium", { PATH: "/usr/bin:/usr/local/bin:/snap/bin" });

const commonArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Starts chromium with the common arguments and `args` after them. */
export async function launchBrowser(args: string[] = []): Promise<Browser> {
  if (!chromiumBinary) throw new Error("chromium is not installed (apt-get install -y chromium)");
  return await chromium.launch({
    executablePath: chromiumBinary,
    args: [...commonArgs, ...args],
    timeout: 30_000,
  });
}

export interface OpenPageOptions {
  /** Extra chromium arguments, e.g. `--host-resolver-rules=…`. */
  args?: string[];
  width?: number;
  height?: number;
  /** Accept any certificate (a test's self-signed one). */
  ignoreHTTPSErrors?: boolean;
  /** Every wait and action of the page gives up after this long; default 10 s. */
  timeoutMs?: number;
}

export interface OpenedPage {
  page: Page;
  browser: Browser;
  close(): Promise<void>;
}

/** A fresh headless chromium with one page. */
export async function openPage(options: OpenPageOptions = {}): Promise<OpenedPage> {
  const browser = await launchBrowser([
    ...(options.ignoreHTTPSErrors ? ["--ignore-certificate-errors"] : []),
    ...(options.args ?? []),
  ]);
  try {
    const context: BrowserContextOptions = {
      viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
      ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
    };
    const page = await browser.newPage(context);
    page.setDefaultTimeout(options.timeoutMs ?? 10_000);
    return { page, browser, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * Waits until `expression` is truthy in the page and returns its value. The expression is sent as a
 * function's source: a string predicate would be eval'd inside the page, which the console's
 * Content-Security-Policy (no 'unsafe-eval') refuses, as it should.
 */
export async function pageValue<T>(page: Page, expression: string, timeoutMs?: number): Promise<T> {
  const predicate = new Function(`return (${expression});`) as () => unknown;
  const handle = await page.waitForFunction(predicate, undefined, { timeout: timeoutMs });
  const value = (await handle.jsonValue()) as T;
  await handle.dispose();
  return value;
}

/**
 * A headless chromium kept open for a whole test file, driven over the DevTools protocol
 * (browser.ts): load a page, evaluate expressions, wait for one to hold, click, type, choose
 * files for an <input type=file>, take screenshots. Every wait is bounded.
 */
import { writeFileSync } from "node:fs";
import { launchChromium, until } from "./browser.ts";

export interface BrowserSession {
  goto(url: string): Promise<void>;
  /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
  eval<T = unknown>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy and returns that value; throws after timeoutMs. */
  waitFor<T = unknown>(expression: string, timeoutMs?: number, what?: string): Promise<T>;
  click(selector: string): Promise<void>;
  type(selector: string, text: string): Promise<void>;
  setFiles(selector: string, paths: string[]): Promise<void>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(
  options: { timeoutMs?: number; width?: number; height?: number; args?: string[] } = {},
): Promise<BrowserSession> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const chromium = await launchChromium(deadline, [
    `--window-size=${options.width ?? 1280},${options.height ?? 860}`,
    ...(options.args ?? []),
  ]);
  const { devtools } = chromium;
  // No call waits longer than this: a page or browser that stops answering fails the test.
  const call = (method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`DevTools ${method}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([devtools.call(method, params), timeout]).finally(() => clearTimeout(timer));
  };
  const evaluate = async <T>(expression: string): Promise<T> => {
    const result = (await call("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    })) as {
      result?: { value?: unknown };
      exceptionDetails?: { exception?: { description?: string }; text?: string };
    };
    if (result.exceptionDetails) {
      throw new Error(
        result.exceptionDetails.exception?.description ?? result.exceptionDetails.text ?? "exception",
      );
    }
    return result.result?.value as T;
  };
  const element = (selector: string) => `document.querySelector(${JSON.stringify(selector)})`;
  const session: BrowserSession = {
    async goto(url) {
      await call("Page.navigate", { url });
      await session.waitFor("document.readyState === 'complete'", 10_000, `${url} to load`);
    },
    eval: evaluate,
    async waitFor<T>(expression: string, timeoutMs = 10_000, what = expression) {
      const end = Date.now() + timeoutMs;
      return await until(end, async () => (await evaluate<T>(expression)) || undefined, what);
    },
    async click(selector) {
      await session.waitFor(`!!${element(selector)}`, 10_000, `${selector} to appear`);
      await evaluate(`${element(selector)}.click()`);
    },
    async type(selector, text) {
      await session.waitFor(`!!${element(selector)}`, 10_000, `${selector} to appear`);
      await evaluate(
        `(() => { const e = ${element(selector)}; e.value = ${JSON.stringify(text)}; e.dispatchEvent(new Event("input", { bubbles: true })); })()`,
      );
    },
    async setFiles(selector, paths) {
      await session.waitFor(`!!${element(selector)}`, 10_000, `${selector} to appear`);
      const found = (await call("Runtime.evaluate", { expression: element(selector) })) as {
        result: { objectId: string };
      };
      await call("DOM.setFileInputFiles", { files: paths, objectId: found.result.objectId });
    },
    async screenshot(path) {
      const shot = (await call("Page.captureScreenshot", { format: "png" })) as { data: string };
      writeFileSync(path, Buffer.from(shot.data, "base64"));
    },
    close: () => chromium.close(),
  };
  return session;
}

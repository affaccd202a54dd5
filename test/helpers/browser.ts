/**
 * A real browser for tests: Debian's chromium, headless, driven over the DevTools protocol. The
 * page under test tells that it is finished by setting `document.documentElement.dataset.done`
 * (to anything); runPage then returns the DOM as text, as `chromium --dump-dom` would print it.
 *
 *   const dom = await runPage(`http://127.0.0.1:${port}/page.html`, { timeoutMs: 20_000 });
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const chromiumBinary =
  Bun.which("chromium") ?? Bun.which("chromium", { PATH: "/usr/bin:/usr/local/bin:/snap/bin" });

export interface RunPageOptions {
  /** The whole run (start, load, the page's own work); default 30 s. */
  timeoutMs?: number;
}

const doneExpression =
  "document.documentElement.dataset.done === undefined ? null : document.documentElement.outerHTML";

/** Loads `url` in a fresh headless chromium and returns the DOM once the page says it is done. */
export async function runPage(url: string, options: RunPageOptions = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const chromium = await launchChromium(deadline);
  try {
    const { devtools } = chromium;
    await devtools.call("Page.navigate", { url });
    return await until(
      deadline,
      async () => {
        const result = await devtools.call("Runtime.evaluate", {
          expression: doneExpression,
          returnByValue: true,
        });
        const value = (result as { result?: { value?: unknown } }).result?.value;
        return typeof value === "string" ? value : undefined;
      },
      `${url} to set dataset.done`,
    );
  } finally {
    await chromium.close();
  }
}

/** A headless chromium with a fresh profile, connected to its page; close() ends it and removes the profile. */
export interface Chromium {
  devtools: DevTools;
  close(): Promise<void>;
}

/** Starts chromium (extra `args` after the common ones) and connects to its page before `deadline`. */
export async function launchChromium(deadline: number, args: string[] = []): Promise<Chromium> {
  if (!chromiumBinary) throw new Error("chromium is not installed (apt-get install -y chromium)");
  const profile = mkdtempSync(join(tmpdir(), "s3dir-chromium-"));
  const browser = Bun.spawn(
    [
      chromiumBinary,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      ...args,
      "about:blank",
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  const stop = async () => {
    browser.kill();
    await browser.exited;
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const port = await until(deadline, () => devToolsPort(profile), "chromium's DevTools port");
    const page = await until(deadline, () => pageSocketUrl(port), "the page's DevTools target");
    const devtools = await DevTools.connect(page);
    return {
      devtools,
      async close() {
        devtools.close();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Polls `probe` every 50 ms until it gives a value; throws at the deadline saying what it waited for. */
export async function until<T>(
  deadline: number,
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
) {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`runPage: timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** The port chromium writes into <profile>/DevToolsActivePort once it listens. */
export function devToolsPort(profile: string): number | undefined {
  try {
    const port = Number(readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0]);
    return port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

export async function pageSocketUrl(port: number): Promise<string | undefined> {
  try {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      type: string;
      webSocketDebuggerUrl?: string;
    }[];
    return targets.find((t) => t.type === "page")?.webSocketDebuggerUrl;
  } catch {
    return undefined;
  }
}

/** One DevTools protocol session over a WebSocket: numbered calls and their answers. */
export class DevTools {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
    socket.addEventListener("close", () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error("DevTools connection closed"));
      this.pending.clear();
    });
  }

  static connect(url: string): Promise<DevTools> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener("open", () => resolve(new DevTools(socket)), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

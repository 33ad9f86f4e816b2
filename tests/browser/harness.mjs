// Shared pieces of the browser tests: a real aiwidget server on a free port
// with a fresh SQLite database, Debian's Chromium, and screenshot paths.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// playwright-core is installed under tools/ (scripts/setup.sh).
import { chromium } from "../../tools/node_modules/playwright-core/index.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOTS = join(ROOT, "docs/screenshots");
export const ADMIN_PASSWORD = "browser test password";

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on("error", fail);
  });
}

/** Starts target/debug/aiwidget; resolves once /health answers. */
export async function startServer() {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), "aiwidget-browser-"));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(join(ROOT, "target/debug/aiwidget"), ["serve"], {
    cwd: data,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `sqlite://${data}/test.db`,
      ADMIN_PASSWORD,
      JWT_SECRET: "browser-test-jwt-secret-at-least-32-bytes",
      ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      LISTEN_ADDR: `127.0.0.1:${port}`,
      PUBLIC_URL: url,
      SITE_DIR: join(ROOT, "target/site"),
      RUST_LOG: process.env.RUST_LOG || "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return { url, stop: () => child.kill("SIGTERM") };
    } catch {
      // not listening yet
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  child.kill("SIGKILL");
  throw new Error("aiwidget did not answer /health within 10 s");
}

/** Debian's Chromium, headless, with the flags this machine needs. */
export async function launchBrowser() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Fails the run with a message unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Waits until the dashboard's wasm has hydrated the page (clicks before
 *  that would submit forms without the app). A debug build on a busy
 *  machine can take a while to compile its wasm. */
export async function hydrated(page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 120_000 });
}

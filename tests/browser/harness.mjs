// Shared pieces of the browser tests: a real aiwidget server on a free port
// with a fresh SQLite database, Debian's Chromium, and screenshot paths.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
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

/** Starts target/debug/aiwidget (with `extraEnv` added to its environment);
 *  resolves once /health answers. */
export async function startServer(extraEnv = {}) {
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
      ...extraEnv,
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

/** The fake OpenAI server (target/debug/fake-openai) answering `reply`, a
 *  word every `deltaMs`, and `tasks` (`[[phrase, reply], …]`) to requests
 *  whose instructions hold the phrase; resolves with its base URL. */
export function startFake(reply, deltaMs, tasks = []) {
  const child = spawn(join(ROOT, "target/debug/fake-openai"), [], {
    env: {
      ...process.env, FAKE_OPENAI_REPLY: reply, FAKE_OPENAI_DELTA_MS: String(deltaMs),
      FAKE_OPENAI_TASKS: JSON.stringify(tasks),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((ok, fail) => {
    createInterface({ input: child.stdout }).once("line", (url) => ok({ url, stop: () => child.kill() }));
    child.on("error", fail);
  });
}

/** The fake Telegram Bot API (target/debug/fake-telegram); resolves with its
 *  URL, a `control(path, body)` for its `/_fake/` routes and `stop`. */
export function startFakeTelegram() {
  const child = spawn(join(ROOT, "target/debug/fake-telegram"), [], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    createInterface({ input: child.stdout }).once("line", (url) =>
      ok({
        url,
        stop: () => child.kill(),
        async control(path, body) {
          const response = await fetch(`${url}/_fake/${path}`, {
            method: body === undefined ? "GET" : "POST",
            headers: { "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          check(response.ok, `fake-telegram ${path}: ${response.status}`);
          return response.json();
        },
      }),
    );
    child.on("error", fail);
  });
}

/** A host site on its own origin: `/` embeds the widget of `site.projectId`
 *  (twice: it must draw once); `/notice` that of `site.noticeProjectId`;
 *  `/csp` with a strict Content-Security-Policy. */
export function startHost(serverUrl) {
  const site = { projectId: "" };
  const http = createHttpServer((request, response) => {
    const headers = { "content-type": "text/html; charset=utf-8" };
    const projectId = request.url === "/notice" ? site.noticeProjectId : site.projectId;
    if (request.url === "/csp") {
      // A strict policy with the entries the README asks site owners to add.
      headers["content-security-policy"] =
        `default-src 'none'; script-src ${serverUrl} 'wasm-unsafe-eval'; connect-src ${serverUrl}; style-src 'none'; img-src 'none'`;
    }
    response.writeHead(200, headers);
    response.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Магазин</title>
<style>body{font:16px Georgia,serif;margin:40px;background:#faf7f0} button{all:unset} *{color:red!important}</style></head>
<body><h1>Магазин чая</h1><p>Host page content.</p>
<script src="${serverUrl}/widget/widget.js" data-project-id="${projectId}" data-title="Чат с нами" data-position="right"></script>
<script src="${serverUrl}/widget/widget.js" data-project-id="${projectId}"></script>
</body></html>`);
  });
  return new Promise((ok) =>
    http.listen(0, "127.0.0.1", () => {
      site.port = http.address().port;
      site.stop = () => http.close();
      ok(site);
    }),
  );
}

/** A JSON POST to the server's API (with a Bearer token when given); fails the run unless 2xx. */
export async function api(server, path, token, body) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  check(response.ok, `${path}: ${JSON.stringify(json)}`);
  return json;
}

/** Signs `page` in to the dashboard at `server` as admin (Russian labels) and
 *  waits for the projects page. */
export async function signIn(page, server) {
  await page.goto(`${server.url}/admin/login`);
  await hydrated(page);
  await page.getByLabel(/Имя пользователя/i).fill("admin");
  await page.getByLabel(/Пароль/i).fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Войти" }).click();
  await page.getByRole("heading", { name: "Проекты" }).waitFor();
}

/** A visitor who opened the widget on `context` at `site` (a host page),
 *  asked `question` and got the AI's answer; page errors go to `errors`. */
export async function visitorWithAnswer(context, site, errors, question) {
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(site);
  await page.locator(".aiw-launcher").click();
  const input = page.locator(".aiw-input");
  await input.fill(question);
  await input.press("Enter");
  await page.locator(".aiw-ai[data-status=complete]").waitFor({ timeout: 30_000 });
  return page;
}

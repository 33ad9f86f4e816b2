// The widget on a host page, everything through real nginx with TLS (run by
// tests/deploy/nginx_tls.sh, which starts nginx, aiwidget and the fake OpenAI
// and passes their addresses in the environment).
// Checked: the admin API answers through nginx; the event stream comes
// through unbuffered and uncompressed; the widget of the project's own embed
// snippet loads on a host page of another origin in Chromium; a streamed answer
// shows word by word (the first text well before the last) and whole.
import { request } from "node:https";
import { readFileSync, writeFileSync } from "node:fs";
// playwright-core is installed under tools/ (scripts/setup.sh).
import { chromium } from "../../tools/node_modules/playwright-core/index.mjs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tests/deploy/nginx_tls.sh)`);
  return value;
};
const SERVER = new URL(env("AIW_URL")); // https://loginov.futuguru.com:<port>
const HOST_PAGE = new URL(env("AIW_HOST_URL")); // https://shop…:<port>/
const CA = readFileSync(env("AIW_CA"));
const REPLY = env("AIW_REPLY");
const DELTA_MS = Number(env("AIW_DELTA_MS"));
const started = Date.now();

function step(text) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);
}
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** One HTTPS request to the server's domain, sent to 127.0.0.1 (no DNS here)
 *  and verified against the test's certificate; resolves with the response
 *  (body unread) once its headers arrive. */
function open(method, path, headers = {}, body) {
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: SERVER.hostname,
        port: SERVER.port,
        method,
        path,
        headers,
        ca: CA,
        lookup: (_host, options, callback) =>
          options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4),
      },
      ok,
    );
    req.on("error", fail);
    req.end(body);
  });
}

async function json(method, path, token, body) {
  const headers = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await open(method, path, headers, body && JSON.stringify(body));
  let text = "";
  for await (const chunk of response) text += chunk;
  check(response.statusCode < 300, `${method} ${path}: ${response.statusCode} ${text}`);
  return JSON.parse(text);
}

step("admin login and a project through nginx");
const admin = await json("POST", "/api/v1/admin/login", null, { username: "admin", password: env("AIW_ADMIN_PASSWORD") });
const project = await json("POST", "/api/v1/admin/projects", admin.token, {
  name: "Чайный магазин",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: env("AIW_FAKE_URL"),
  allowed_origins: [HOST_PAGE.origin],
  widget: { title: "Чат", greeting: "Здравствуйте! Чем помочь?", color: "#0f766e" },
});
check(project.embed_snippet.includes(`${SERVER.origin}/widget/widget.js`), `the snippet names the public URL: ${project.embed_snippet}`);

// The host page embeds the project's snippet exactly as the dashboard shows it.
writeFileSync(
  env("AIW_HOST_PAGE_FILE"),
  `<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Магазин чая</title>
<style>body{font:16px Georgia,serif;margin:40px;background:#faf7f0}</style></head>
<body><h1>Магазин чая</h1><p>The host site, on an origin of its own.</p>
${project.embed_snippet}
</body></html>`,
);

step("the visitor's event stream through nginx: unbuffered, uncompressed");
const session = await open("POST", "/api/v1/widget/session", { origin: HOST_PAGE.origin, "content-type": "application/json" }, JSON.stringify({ project_id: project.id }));
let sessionText = "";
for await (const chunk of session) sessionText += chunk;
check(session.statusCode === 200, `session: ${session.statusCode} ${sessionText}`);
const { visitor_token: visitorToken } = JSON.parse(sessionText);
const opened = Date.now();
const stream = await open("GET", `/api/v1/widget/events?token=${encodeURIComponent(visitorToken)}`, {
  origin: HOST_PAGE.origin,
  accept: "text/event-stream",
  "accept-encoding": "gzip, deflate, br",
});
check(stream.statusCode === 200, `events: ${stream.statusCode}`);
check(String(stream.headers["content-type"]).startsWith("text/event-stream"), `events content-type: ${stream.headers["content-type"]}`);
check(stream.headers["content-encoding"] === undefined, `events not compressed: ${stream.headers["content-encoding"]}`);
const firstFrame = await new Promise((ok) => stream.once("data", (chunk) => ok(String(chunk))));
const firstFrameMs = Date.now() - opened;
stream.destroy();
check(firstFrame.startsWith("retry:"), `the stream opens with its retry hint: ${JSON.stringify(firstFrame)}`);
check(firstFrameMs < 2000, `the first frame came through at once (${firstFrameMs} ms)`);

step("the widget on the host page in Chromium");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Both names are this machine; the certificate is the test's own.
    `--host-resolver-rules=MAP ${SERVER.hostname} 127.0.0.1, MAP ${HOST_PAGE.hostname} 127.0.0.1`,
    "--ignore-certificate-errors",
  ],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU", ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => message.type() === "warning" && errors.push(message.text()));
  const loading = Date.now();
  await page.goto(HOST_PAGE.href);
  await page.locator(".aiw-launcher").waitFor();
  const launcherMs = Date.now() - loading;
  await page.locator(".aiw-launcher").click();
  const input = page.locator(".aiw-input");
  await input.waitFor();
  const panelMs = Date.now() - loading;
  await page.getByText("Здравствуйте! Чем помочь?").waitFor();

  // Every change of the answer's text, timed on the page itself.
  await page.evaluate(() => {
    const root = document.querySelector("[data-aiwidget]").shadowRoot;
    const seen = (window.__aiwSeen = []);
    const answer = () => [...root.querySelectorAll(".aiw-ai[data-status]")].pop();
    new MutationObserver(() => {
      const text = answer()?.textContent ?? "";
      if (text && text !== seen.at(-1)?.text) seen.push({ at: performance.now(), text });
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
  await input.fill("Расскажите о доставке");
  const sentAt = await page.evaluate(() => performance.now());
  await input.press("Enter");
  const answer = page.locator(".aiw-ai[data-status=complete]");
  await answer.waitFor({ timeout: 30_000 });
  const shown = (await answer.textContent()).trim();
  const seen = await page.evaluate(() => window.__aiwSeen);
  check(shown === REPLY.trim(), `the whole answer is shown: ${JSON.stringify(shown)}`);
  const first = seen[0];
  const last = seen.find((change) => change.text.trim() === REPLY.trim());
  check(first && last, `the answer's text was seen changing: ${seen.length} changes`);
  const words = REPLY.trim().split(/\s+/).length;
  const streaming = (words - 1) * DELTA_MS; // the fake's pauses between words
  const firstMs = Math.round(first.at - sentAt);
  const lastMs = Math.round(last.at - sentAt);
  console.log(
    `answer: ${words} words, a word every ${DELTA_MS} ms (${streaming} ms of streaming); ` +
      `first text after ${firstMs} ms, the last word after ${lastMs} ms, ${seen.length} steps seen`,
  );
  check(firstMs < lastMs - streaming / 2, `the first text came well before the last (${firstMs} ms vs ${lastMs} ms)`);
  check(seen.length >= words / 2, `the answer grew word by word (${seen.length} steps for ${words} words)`);
  check(errors.length === 0, `no page errors or widget warnings: ${errors.join("; ")}`);
  await page.screenshot({ path: env("AIW_SCREENSHOT") });
  console.log(`widget: launcher drawn ${launcherMs} ms after navigation, panel usable after ${panelMs} ms (cold cache)`);
  await context.close();
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

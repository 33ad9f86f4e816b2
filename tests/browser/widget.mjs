// The visitor widget in a real browser. A host page on one origin embeds the
// widget served from another; the project's AI is the fake OpenAI server.
// Checked: a message gets a streamed reply rendered as safe markdown (XSS
// payloads stay text), reload keeps the conversation, a disallowed origin
// shows nothing and says why in the console, the phone layout fills the
// screen, keyboard-only use, the privacy notice accepted before anything is
// sent (no session before it). Screenshots go to docs/screenshots/.
import { join } from "node:path";
import { ADMIN_PASSWORD, SCREENSHOTS, api, check, launchBrowser, startFake, startHost, startServer } from "./harness.mjs";

const REPLY =
  "Доставка **бесплатная**:\n- по Москве\n- по России\n\n" +
  "Подробнее: [условия](https://shop.example/delivery) <img src=x onerror=\"window.__xss=1\"> [x](javascript:window.__xss=2)";

const fake = await startFake(REPLY, 40);
const server = await startServer();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const site = await startHost(server.url);
const allowed = `http://127.0.0.1:${site.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Чайный магазин",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  widget: { title: "Чат", greeting: "Здравствуйте! Чем помочь?", color: "#0f766e" },
});
site.projectId = project.id;
// The site owner's notice, with the retention placeholder, and what visitors read.
const NOTICE_TEMPLATE = "Мы храним переписку {retention}. Отправляя сообщение, вы соглашаетесь на обработку персональных данных (152-ФЗ).";
const NOTICE = "Мы храним переписку 30 дней. Отправляя сообщение, вы соглашаетесь на обработку персональных данных (152-ФЗ).";
const noticeProject = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "С уведомлением",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  retention_days: 30,
  widget: { privacy_notice: NOTICE_TEMPLATE },
});
site.noticeProjectId = noticeProject.id;

const browser = await launchBrowser();
let failed = false;
try {
  // Desktop: open, send, streamed safe answer, reload keeps it.
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const page = await desktop.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(allowed);
  const launcher = page.locator(".aiw-launcher");
  await launcher.waitFor();
  check((await page.locator("[data-aiwidget]").count()) === 1, "the snippet twice makes one widget");
  await page.screenshot({ path: join(SCREENSHOTS, "widget-closed-desktop.png") });
  const opening = Date.now();
  await launcher.click();
  const input = page.locator(".aiw-input");
  await input.waitFor();
  const openMs = Date.now() - opening;
  await page.getByText("Здравствуйте! Чем помочь?").waitFor();
  await input.fill("Сколько стоит доставка?");
  await input.press("Enter");
  await page.locator(".aiw-visitor", { hasText: "Сколько стоит доставка?" }).waitFor();
  await page.locator(".aiw-typing").waitFor();
  await page.locator(".aiw-ai[data-status=streaming]").waitFor();
  const answer = page.locator(".aiw-ai[data-status=complete]");
  await answer.waitFor({ timeout: 20_000 });
  check((await answer.locator("strong", { hasText: "бесплатная" }).count()) === 1, "bold rendered");
  check((await answer.locator("li").count()) === 2, "the list rendered");
  const link = answer.locator("a", { hasText: "условия" });
  check((await link.getAttribute("href")) === "https://shop.example/delivery", "the link kept");
  check((await link.getAttribute("target")) === "_blank", "links open in a new tab");
  check((await answer.locator("img").count()) === 0, "no <img> from the answer");
  check((await answer.locator("a[href^='javascript']").count()) === 0, "no javascript: link");
  check((await answer.textContent()).includes("<img src=x"), "the payload shows as text");
  check((await page.evaluate(() => window.__xss)) === undefined, "no script ran");
  const color = await answer.evaluate((el) => getComputedStyle(el).color);
  check(color !== "rgb(255, 0, 0)", `the host's CSS does not reach the widget (${color})`);
  await page.screenshot({ path: join(SCREENSHOTS, "widget-open-desktop.png") });

  await page.reload();
  await page.locator(".aiw-launcher").click();
  await page.locator(".aiw-visitor", { hasText: "Сколько стоит доставка?" }).waitFor();
  await page.locator(".aiw-ai[data-status=complete]").waitFor();

  // An answer that arrives while the widget is closed shows as an unread badge.
  await page.keyboard.press("Escape");
  const token = await page.evaluate((id) => localStorage.getItem(`aiwidget:token:${id}`), project.id);
  const sent = await fetch(`${server.url}/api/v1/widget/messages`, {
    method: "POST",
    headers: { origin: allowed, authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ text: "Ещё вопрос" }),
  });
  check(sent.status === 202, `sent while closed: ${sent.status}`);
  await page.locator(".aiw-badge", { hasText: "1" }).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(SCREENSHOTS, "widget-unread-desktop.png") });
  await page.locator(".aiw-launcher").click();
  check(await page.locator(".aiw-badge").isHidden(), "opening clears the badge");

  // "Talk to a human": the conversation waits for one and the visitor is told.
  await page.locator(".aiw-handoff").click();
  await page.getByText("Мы позвали оператора").waitFor();
  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);

  // Keyboard only: Tab to the launcher, Enter opens with focus in the input,
  // Enter sends, Escape closes and gives focus back to the launcher.
  const keys = await desktop.newPage();
  await keys.goto(allowed);
  await keys.locator(".aiw-launcher").waitFor();
  await keys.keyboard.press("Tab");
  await keys.keyboard.press("Enter");
  await keys.locator(".aiw-input").waitFor();
  await keys.waitForFunction(() => {
    const root = document.querySelector("[data-aiwidget]").shadowRoot;
    return root.activeElement && root.activeElement.classList.contains("aiw-input");
  });
  await keys.keyboard.type("Спасибо");
  await keys.keyboard.press("Enter");
  await keys.locator(".aiw-visitor", { hasText: "Спасибо" }).waitFor();
  await keys.keyboard.press("Escape");
  await keys.waitForFunction(() => {
    const root = document.querySelector("[data-aiwidget]").shadowRoot;
    return root.querySelector(".aiw-frame").hidden && root.activeElement?.classList.contains("aiw-launcher");
  });

  // A disallowed origin (same host page, other host name) shows nothing and says why.
  const other = await desktop.newPage();
  const warnings = [];
  other.on("console", (message) => warnings.push(message.text()));
  await other.goto(`http://localhost:${site.port}`);
  await other.waitForTimeout(1500);
  check((await other.locator("[data-aiwidget]").count()) === 0, "nothing drawn on a disallowed origin");
  check(warnings.some((text) => text.includes("aiwidget")), `the console says why: ${warnings.join(" | ")}`);

  // A host page with a strict CSP works with the documented entries.
  const strict = await desktop.newPage();
  const refused = [];
  strict.on("console", (message) => {
    if (/Content Security Policy|Refused/i.test(message.text()) && message.text().includes(server.url)) refused.push(message.text());
  });
  await strict.goto(`${allowed}/csp`);
  await strict.locator(".aiw-launcher").click();
  await strict.locator(".aiw-input").fill("CSP?");
  await strict.locator(".aiw-input").press("Enter");
  await strict.locator(".aiw-ai[data-status=complete]").last().waitFor({ timeout: 20_000 });
  const header = await strict.locator(".aiw-header").evaluate((el) => getComputedStyle(el).backgroundColor);
  check(header === "rgb(15, 118, 110)", `styled under a strict CSP: ${header}`);
  check(refused.length === 0, `nothing of aiwidget refused by the CSP: ${refused.join(" | ")}`);
  await desktop.close();

  // The privacy notice comes first: no session (nothing stored) before the
  // visitor accepts it; accepting opens the chat with the notice's version as
  // consent; a returning visitor is not asked again until the text changes.
  const consent = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const noticePage = await consent.newPage();
  const sessions = [];
  noticePage.on("request", (request) => {
    if (request.url().includes("/api/v1/widget/session")) sessions.push(JSON.parse(request.postData() || "{}"));
  });
  await noticePage.goto(`${allowed}/notice`);
  await noticePage.locator(".aiw-launcher").click();
  await noticePage.getByText(NOTICE).waitFor();
  check(await noticePage.locator(".aiw-input").isHidden(), "no input shown before consent");
  await noticePage.waitForTimeout(500);
  check(sessions.length === 0, `no session before consent: ${JSON.stringify(sessions)}`);
  await noticePage.screenshot({ path: join(SCREENSHOTS, "widget-privacy-notice-desktop.png") });
  const version = (await (await fetch(`${server.url}/api/v1/widget/config?project_id=${noticeProject.id}`, { headers: { origin: allowed } })).json()).privacy_notice_version;
  check(/^[0-9a-f]{16}$/.test(version), `the config has a notice version: ${version}`);
  await noticePage.getByRole("button", { name: "Согласен" }).click();
  await noticePage.locator(".aiw-input").fill("Здравствуйте");
  await noticePage.locator(".aiw-input").press("Enter");
  await noticePage.locator(".aiw-ai[data-status=complete]").waitFor({ timeout: 20_000 });
  check(sessions.length === 1 && sessions[0].consent_version === version, `one session, with the consent: ${JSON.stringify(sessions)}`);
  await noticePage.reload();
  await noticePage.locator(".aiw-launcher").click();
  await noticePage.locator(".aiw-input").waitFor();
  check((await noticePage.getByText(NOTICE).count()) === 0, "consent is remembered");
  await noticePage.locator(".aiw-visitor", { hasText: "Здравствуйте" }).waitFor();
  // The site owner changes the text: the returning visitor is asked again.
  const changed = await fetch(`${server.url}/api/v1/admin/projects/${noticeProject.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ retention_days: 90 }),
  });
  check(changed.ok, `notice changed: ${changed.status}`);
  sessions.length = 0;
  await noticePage.reload();
  await noticePage.locator(".aiw-launcher").click();
  await noticePage.getByText(NOTICE.replace("30 дней", "90 дней")).waitFor();
  check(sessions.length === 0, "no session before the new consent");
  await noticePage.getByRole("button", { name: "Согласен" }).click();
  await noticePage.locator(".aiw-visitor", { hasText: "Здравствуйте" }).waitFor();
  check(sessions.length === 1 && sessions[0].consent_version !== version, "the new version sent");
  await consent.close();
  // The notice on a phone.
  const phoneConsent = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: "ru-RU" });
  const phoneNotice = await phoneConsent.newPage();
  await phoneNotice.goto(`${allowed}/notice`);
  await phoneNotice.locator(".aiw-launcher").click();
  await phoneNotice.getByRole("button", { name: "Согласен" }).waitFor();
  await phoneNotice.screenshot({ path: join(SCREENSHOTS, "widget-privacy-notice-phone.png") });
  await phoneNotice.getByRole("button", { name: "Согласен" }).click();
  await phoneNotice.locator(".aiw-input").waitFor();
  await phoneConsent.close();

  // Phone: the open widget fills the screen.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: "ru-RU" });
  const mobile = await phone.newPage();
  await mobile.goto(allowed);
  await mobile.locator(".aiw-launcher").waitFor();
  await mobile.screenshot({ path: join(SCREENSHOTS, "widget-closed-phone.png") });
  await mobile.locator(".aiw-launcher").click();
  await mobile.locator(".aiw-input").waitFor();
  const box = await mobile.locator(".aiw-frame").boundingBox();
  check(box.width === 390 && box.height === 844, `full screen on a phone: ${JSON.stringify(box)}`);
  await mobile.screenshot({ path: join(SCREENSHOTS, "widget-open-phone.png") });
  await phone.close();
  console.log(`widget: launcher click to usable input ${openMs} ms (first open, cold cache, release widget)`);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

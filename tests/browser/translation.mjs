// Two-way translation in the browser (docs/copilot.md, "Translation"): an
// English-speaking operator turns it on under "My alerts"; a visitor writes
// Russian and the conversation shows each of their messages with its English
// translation under it; the reply box sends the operator's English
// translated into Russian, the visitor reads Russian and the operator keeps
// what they wrote. Desktop and phone. Screenshots go to docs/screenshots/
// (dashboard-translation-desktop.png, dashboard-translation-phone.png).
import { join } from "node:path";
import {
  ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, signIn, startFake, startHost, startServer,
} from "./harness.mjs";

// What engine::services::copilot::translate sends (TRANSLATION_TASK and the target language).
const TASK = "Translate the chat message below into";
const QUESTION = "Здравствуйте! Подскажите, пожалуйста, когда привезут мой заказ номер 512?";
const QUESTION_IN_ENGLISH = "Hello! Could you tell me when my order 512 will arrive?";
const ANSWER = "Your order arrives tomorrow between 10 and 18.";
const ANSWER_IN_RUSSIAN = "Ваш заказ приедет завтра с 10 до 18.";
const fake = await startFake("Сейчас уточню.", 20, [
  [`${TASK} English.`, QUESTION_IN_ENGLISH],
  [`${TASK} Russian.`, ANSWER_IN_RUSSIAN],
]);
const server = await startServer();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const site = await startHost(server.url);
const allowed = `http://127.0.0.1:${site.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Чайный магазин",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  handoff: { ai_allowed: false, timeout_minutes: null },
});
site.projectId = project.id;

const browser = await launchBrowser();
let failed = false;
let step = "starting";
try {
  const errors = [];
  const desk = await browser.newContext({
    viewport: { width: 1400, height: 900 }, locale: "ru-RU", extraHTTPHeaders: { "Accept-Language": "ru-RU" },
  });
  const dashboard = await desk.newPage();
  dashboard.on("pageerror", (error) => errors.push(String(error)));
  await signIn(dashboard, server);

  // The operator (English) turns translation on.
  step = "The operator turns translation on under My alerts.";
  await dashboard.goto(`${server.url}/admin/alerts`);
  await hydrated(dashboard);
  await dashboard.getByLabel("Мой язык (уведомления, перевод)").selectOption("en");
  await dashboard.getByLabel("Переводить диалоги на этот язык").check();
  await dashboard.getByRole("button", { name: "Сохранить" }).click();
  await dashboard.locator(".alerts-saved").waitFor();

  // A visitor writes Russian; the operator reads it in English.
  step = "A visitor writes Russian; the conversation shows the English translation under it.";
  const visit = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const visitor = await visit.newPage();
  visitor.on("pageerror", (error) => errors.push(String(error)));
  await visitor.goto(allowed);
  await visitor.locator(".aiw-launcher").click();
  await visitor.locator(".aiw-input").fill(QUESTION);
  await visitor.locator(".aiw-input").press("Enter");
  await visitor.locator(".aiw-ai[data-status=complete]").waitFor({ timeout: 30_000 });
  await dashboard.goto(`${server.url}/admin/inbox`);
  await hydrated(dashboard);
  await dashboard.locator(".conversation-row").first().click();
  const translated = dashboard.locator(".msg[data-role=visitor] .msg-translation", { hasText: QUESTION_IN_ENGLISH });
  await translated.waitFor();
  check(
    (await dashboard.locator(".msg[data-role=visitor] .msg-body", { hasText: QUESTION }).count()) === 1,
    "the original stays above its translation",
  );

  // The operator answers in English and sends it translated.
  step = "The operator answers in English, sent translated into Russian.";
  const toggle = dashboard.getByLabel("Отправить в переводе на RU");
  await toggle.waitFor();
  check(await toggle.isChecked(), "sending translated is on by default");
  const box = dashboard.locator(".composer textarea");
  await box.fill(ANSWER);
  await box.press("Enter");
  await visitor.locator(".aiw-operator", { hasText: ANSWER_IN_RUSSIAN }).waitFor();
  check(
    (await visitor.getByText(ANSWER).count()) === 0 && (await visitor.getByText(QUESTION_IN_ENGLISH).count()) === 0,
    "the visitor reads neither the operator's English nor the translation of their message",
  );
  const mine = dashboard.locator(".msg[data-role=operator]", { hasText: ANSWER_IN_RUSSIAN });
  await mine.locator(".msg-translation", { hasText: ANSWER }).waitFor();
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-translation-desktop.png") });

  // On a phone.
  step = "On a phone: the translations and the switch fit.";
  await dashboard.setViewportSize({ width: 390, height: 844 });
  await translated.scrollIntoViewIfNeeded();
  const fits = await dashboard.evaluate(() => {
    const send = document.querySelector(".composer-actions .primary").getBoundingClientRect();
    const line = document.querySelector(".msg-translation").getBoundingClientRect();
    return send.right <= window.innerWidth && line.right <= window.innerWidth;
  });
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-translation-phone.png"), fullPage: true });
  check(fits, "the translation and the send button are inside the screen");

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  console.log("translation browser test: ok");
} catch (error) {
  console.error(`translation browser test failed at: ${step}`);
  console.error(error);
  failed = true;
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

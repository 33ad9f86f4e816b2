// An operator away from the dashboard (issue 15, docs/alerts.md), end to end
// against the fake Telegram: the operator links Telegram on "My alerts"; a
// visitor asks for a human; the linked chat gets the alert with buttons; the
// operator presses Take over and replies in Telegram; the visitor sees the
// reply in the widget and the dashboard shows it live; Release to AI from
// Telegram; the AI answers the visitor again. Screenshots of "My alerts" on
// desktop and phone go to docs/screenshots/.
import { join } from "node:path";
import {
  ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, startFake, startFakeTelegram, startHost,
  signIn, startServer,
} from "./harness.mjs";

const TOKEN = "123456789:AAfake-token-for-tests_0123456789";
const IVAN = { id: 424242, first_name: "Иван", username: "ivan_ops", language_code: "ru" };

const telegram = await startFakeTelegram();
const fake = await startFake("ИИ снова на связи.", 20);
const server = await startServer({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: telegram.url });
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const site = await startHost(server.url);
const allowed = `http://127.0.0.1:${site.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Чайный <магазин>",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  widget: { title: "Чат", greeting: "Здравствуйте!" },
  handoff: { ai_allowed: false, timeout_minutes: null },
});
site.projectId = project.id;

/** Polls `probe` every 100 ms until it returns something, for up to `ms`. */
async function until(what, probe, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** The callback data of the button labelled `label` in a sent message. */
function button(message, label) {
  const found = message.reply_markup.inline_keyboard.flat().find((b) => b.text === label);
  check(found, `a button "${label}" in ${JSON.stringify(message.reply_markup)}`);
  return found.callback_data;
}

const browser = await launchBrowser();
let failed = false;
let step = "starting";
try {
  step = "The operator signs in and opens My alerts.";
  const desk = await browser.newContext({
    viewport: { width: 1400, height: 900 }, locale: "ru-RU", extraHTTPHeaders: { "Accept-Language": "ru-RU" },
  });
  const dashboard = await desk.newPage();
  const errors = [];
  dashboard.on("pageerror", (error) => errors.push(String(error)));
  await signIn(dashboard, server);
  await dashboard.getByRole("link", { name: "Мои уведомления" }).click();
  await dashboard.waitForURL("**/admin/alerts");

  step = "Link Telegram: the one-time link, Start in Telegram, the page says linked.";
  await dashboard.getByRole("button", { name: "Привязать Telegram" }).click();
  const link = await dashboard.locator(".alerts-link a").getAttribute("href");
  check(link.startsWith("https://t.me/aiwidget_test_bot?start="), `the link: ${link}`);
  const code = new URL(link).searchParams.get("start");
  await telegram.control("text", { from: IVAN, text: `/start ${code}` });
  await dashboard.locator(".alerts-linked", { hasText: "@ivan_ops" }).waitFor();
  await until("the bot confirms the link", async () =>
    (await telegram.control("sent")).find((m) => m.chat_id === IVAN.id && m.text.includes("Готово")),
  );
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-alerts-desktop.png"), fullPage: true });
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, locale: "ru-RU", extraHTTPHeaders: { "Accept-Language": "ru-RU" },
    storageState: await desk.storageState(), isMobile: true,
  });
  const small = await phone.newPage();
  await small.goto(`${server.url}/admin/alerts`);
  await hydrated(small);
  await small.locator(".alerts-linked").waitFor();
  await small.screenshot({ path: join(SCREENSHOTS, "dashboard-alerts-phone.png"), fullPage: true });

  step = "A visitor asks for a human: the linked chat gets the alert with its buttons.";
  const visit = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const visitor = await visit.newPage();
  visitor.on("pageerror", (error) => errors.push(String(error)));
  await visitor.goto(allowed);
  await visitor.locator(".aiw-launcher").click();
  const input = visitor.locator(".aiw-input");
  await input.fill("Где мой заказ <№5>?");
  await input.press("Enter");
  await visitor.locator(".aiw-ai[data-status=complete]").first().waitFor({ timeout: 30_000 });
  await visitor.locator(".aiw-handoff").click();
  const alert = await until("the alert in Telegram", async () =>
    (await telegram.control("sent")).find((m) => m.chat_id === IVAN.id && m.reply_markup),
  );
  check(alert.text.includes("Чайный &lt;магазин&gt;"), `the project, escaped: ${alert.text}`);
  check(alert.text.includes("Где мой заказ &lt;№5&gt;?"), `the visitor's words, escaped: ${alert.text}`);

  step = "The dashboard opens the conversation from the alert's link.";
  const conversations = await fetch(`${server.url}/api/v1/admin/conversations`, {
    headers: { authorization: `Bearer ${admin.token}` },
  }).then((response) => response.json());
  const conversationId = conversations.items[0].id;
  await dashboard.goto(`${server.url}/admin/inbox?conversation=${conversationId}`);
  await hydrated(dashboard);
  await dashboard.locator(".msg[data-role=visitor]", { hasText: "Где мой заказ" }).waitFor();

  step = "Take over in Telegram, then a reply: the visitor and the dashboard see it live.";
  await telegram.control("press", { from: IVAN, message_id: alert.message_id, data: button(alert, "Взять разговор") });
  await dashboard.locator(".conversation-head", { hasText: "Administrator" }).waitFor();
  await visitor.getByText("Оператор подключился к разговору.").waitFor();
  await telegram.control("reply", { from: IVAN, reply_to_message_id: alert.message_id, text: "Посылка уже в пути." });
  await visitor.locator(".aiw-operator", { hasText: "Посылка уже в пути." }).waitFor();
  await dashboard.locator(".msg[data-role=operator]", { hasText: "Посылка уже в пути." }).waitFor();
  await until("the bot confirms the reply", async () =>
    (await telegram.control("sent")).find((m) => m.chat_id === IVAN.id && m.text.includes("Отправлено посетителю")),
  );
  await visitor.screenshot({ path: join(SCREENSHOTS, "widget-telegram-reply-desktop.png") });

  step = "Release to AI from Telegram: the AI answers the visitor again.";
  await telegram.control("press", { from: IVAN, message_id: alert.message_id, data: button(alert, "Вернуть ИИ") });
  await dashboard.locator(".conversation-head .chip[data-status=ai]").waitFor();
  const before = await visitor.locator(".aiw-ai[data-status=complete]").count();
  await input.fill("Спасибо! А вернуть можно?");
  await input.press("Enter");
  await until("the AI's next answer", async () =>
    (await visitor.locator(".aiw-ai[data-status=complete]").count()) > before,
  );

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  console.log("alerts browser test: ok");
} catch (error) {
  console.error(`alerts browser test failed at: ${step}`);
  console.error(error);
  failed = true;
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  telegram.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

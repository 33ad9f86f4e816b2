// A visitor's page and the dashboard side by side, through a takeover and
// back: the conversation appears in the inbox live, the AI's answer streams
// there too, "Take over" stops it (the visitor sees the operator join),
// typing shows both ways, operator messages reach the widget, "Release to
// AI" gives it back and the AI answers again; a visitor asking for a human
// rings the inbox (badge, tab title). Prints the time from an operator's
// send to the text on the visitor's screen. Screenshots go to docs/screenshots/.
import { join } from "node:path";
import {
  ADMIN_PASSWORD, SCREENSHOTS, api, check, launchBrowser, signIn, startFake, startHost, startServer,
} from "./harness.mjs";

// Long and slow enough (about 10 s) that the takeover lands mid-answer even
// on a busy machine with a debug dashboard.
const REPLY =
  "Конечно, помогу с заказом. Сначала проверю статус доставки, затем расскажу о сроках, " +
  "а потом подскажу, как изменить адрес, если это нужно. Это займёт немного времени, " +
  "но я всё объясню по порядку: где сейчас посылка, когда её привезут и что делать, если дома никого не будет.";
const fake = await startFake(REPLY, 200);
const server = await startServer();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const site = await startHost(server.url);
const allowed = `http://127.0.0.1:${site.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Чайный магазин",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  widget: { title: "Чат", greeting: "Здравствуйте! Чем помочь?" },
  handoff: { ai_allowed: false, timeout_minutes: null },
});
site.projectId = project.id;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const browser = await launchBrowser();
let failed = false;
let step = "starting";
try {
  // The operator signs in and opens the inbox.
  step = "The operator signs in and opens the inbox.";
  const desk = await browser.newContext({
    viewport: { width: 1400, height: 900 }, locale: "ru-RU", extraHTTPHeaders: { "Accept-Language": "ru-RU" },
  });
  const dashboard = await desk.newPage();
  const errors = [];
  dashboard.on("pageerror", (error) => errors.push(String(error)));
  await signIn(dashboard, server);
  await dashboard.getByRole("link", { name: /Диалоги/ }).click();
  await dashboard.waitForURL("**/admin/inbox");
  await dashboard.getByText("Диалогов пока нет.").waitFor();

  // A visitor writes; the conversation appears in the inbox without a reload.
  step = "A visitor writes; the conversation appears in the inbox without a reload.";
  const visit = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const visitor = await visit.newPage();
  visitor.on("pageerror", (error) => errors.push(String(error)));
  await visitor.goto(allowed);
  await visitor.locator(".aiw-launcher").click();
  const input = visitor.locator(".aiw-input");
  await input.fill("Здравствуйте, где мой заказ?");
  await input.press("Enter");
  const row = dashboard.locator(".conversation-row", { hasText: "Здравствуйте, где мой заказ?" });
  await row.waitFor();
  await row.click();
  await dashboard.locator(".msg[data-role=visitor]", { hasText: "где мой заказ" }).waitFor();
  await dashboard.locator(".msg[data-role=ai][data-status=streaming]").waitFor({ timeout: 20_000 });
  await visitor.locator(".aiw-ai[data-status=streaming]").waitFor();

  // Take over: the AI stops mid-answer on both screens; the visitor is told.
  step = "Take over: the AI stops mid-answer on both screens; the visitor is told.";
  await dashboard.getByRole("button", { name: "Перехватить" }).click();
  await visitor.getByText("Оператор подключился к разговору.").waitFor();
  await visitor.locator(".aiw-ai[data-status=interrupted]").waitFor();
  await dashboard.locator(".msg[data-role=ai][data-status=interrupted]").waitFor();
  await dashboard.locator(".conversation-head", { hasText: "Отвечает Administrator" }).waitFor();

  // Typing shows both ways (told at most every 3 s: type for a while).
  step = "Typing shows both ways (told at most every 3 s: type for a while).";
  await input.pressSequentially("Алло, вы тут?", { delay: 300 });
  await dashboard.getByText("Посетитель печатает…").waitFor();
  await input.fill("");
  const reply = dashboard.locator(".composer textarea");
  await reply.fill("Секунду");
  await visitor.locator(".aiw-typing").waitFor();

  // Operator messages reach the widget; timed from Enter to the text on screen.
  step = "Operator messages reach the widget; timed from Enter to the text on screen.";
  const timings = [];
  for (let n = 1; n <= 5; n++) {
    const text = `Сообщение оператора №${n}`;
    await reply.fill(text);
    const started = Date.now();
    await reply.press("Enter");
    await visitor.locator(".aiw-operator", { hasText: text }).waitFor();
    timings.push(Date.now() - started);
  }
  // Two messages typed back to back, the second while the first is on its way:
  // neither is lost, and they arrive in order.
  step = "Two operator messages sent back to back both arrive, in order.";
  await reply.fill("Первое подряд");
  await reply.press("Enter");
  await reply.fill("Второе подряд");
  await reply.press("Enter");
  await visitor.locator(".aiw-operator", { hasText: "Второе подряд" }).waitFor();
  const operatorTexts = await visitor.locator(".aiw-operator").allInnerTexts();
  const firstAt = operatorTexts.findIndex((t) => t.includes("Первое подряд"));
  const secondAt = operatorTexts.findIndex((t) => t.includes("Второе подряд"));
  check(firstAt >= 0 && firstAt < secondAt, `back-to-back messages arrive in order (${firstAt}, ${secondAt})`);
  check(
    (await visitor.locator(".aiw-operator .aiw-author", { hasText: "Administrator" }).count()) >= 1,
    "the operator's name shows in the widget",
  );
  await input.fill("Спасибо, а когда доставка?");
  await input.press("Enter");
  await dashboard.locator(".msg[data-role=visitor]", { hasText: "когда доставка" }).waitFor();
  const latest = visitor.locator(".aiw-visitor", { hasText: "когда доставка" });
  await latest.waitFor();
  const inSight = await latest.evaluate((element) => {
    const box = element.getBoundingClientRect();
    const scroller = element.closest(".aiw-scroll").getBoundingClientRect();
    return box.bottom <= scroller.bottom + 1 && box.top >= scroller.top - 1;
  });
  check(inSight, "the newest message is scrolled into sight");
  await visitor.screenshot({ path: join(SCREENSHOTS, "widget-operator-desktop.png") });
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-inbox-desktop.png") });

  // Release to AI: it answers the visitor's waiting question.
  step = "Release to AI: it answers the visitor's waiting question.";
  await dashboard.getByRole("button", { name: "Вернуть ИИ" }).click();
  await dashboard.locator(".conversation-head .chip[data-status=ai]").waitFor();
  const answers = visitor.locator(".aiw-ai[data-status=complete]");
  await answers.first().waitFor({ timeout: 30_000 });
  check(!(await visitor.getByText("Оператор подключился к разговору.").isVisible()), "the operator line is gone");

  // Another visitor asks for a human: the inbox rings (badge, tab title).
  step = "Another visitor asks for a human: the inbox rings (badge, tab title).";
  const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const second = await other.newPage();
  await second.goto(allowed);
  await second.locator(".aiw-launcher").click();
  await second.locator(".aiw-input").fill("Позовите человека, пожалуйста");
  await second.locator(".aiw-input").press("Enter");
  await second.locator(".aiw-handoff").click();
  await second.getByText("Мы позвали оператора: он скоро подключится.").waitFor();
  await dashboard.locator(".conversation-row[data-status=waiting_human]").waitFor();
  await dashboard.locator(".topbar .badge", { hasText: "1" }).waitFor();
  check((await dashboard.title()).startsWith("(1)"), `the tab title counts it: ${await dashboard.title()}`);
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-inbox-waiting-desktop.png") });

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  console.log(
    `operator send → visitor screen: median ${median(timings)} ms, max ${Math.max(...timings)} ms ` +
      `(${timings.join(", ")} ms)`,
  );
  console.log("takeover browser test: ok");
} catch (error) {
  console.error(`takeover browser test failed at: ${step}`);
  console.error(error);
  failed = true;
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

// The analytics page in the browser (docs/analytics.md): two visitors talk
// to the widget (one answered by the AI alone, who rates it; one who asks
// for a human, whom an operator answers), then the owner reads the period's
// numbers at /admin/analytics: the cards, the four SVG charts, a shorter
// period, one project, and the CSV export. Desktop and phone; screenshots go
// to docs/screenshots/ (dashboard-analytics-desktop.png, dashboard-analytics-phone.png).
import { join } from "node:path";
import {
  ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, signIn, startFake, startHost, startServer, visitorWithAnswer,
} from "./harness.mjs";

const fake = await startFake("Доставка по Москве занимает 1–2 дня.", 20);
const server = await startServer();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const site = await startHost(server.url);
const allowed = `http://127.0.0.1:${site.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Чайный магазин",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  time_zone: "Europe/Moscow",
  widget: { rating_after: "both" },
  handoff: { ai_allowed: false, timeout_minutes: null },
});
await api(server, "/api/v1/admin/projects", admin.token, { name: "Другой сайт" });
site.projectId = project.id;

/** The value of the card named `label`. */
async function card(page, label) {
  return (await page.locator(".stat", { hasText: label }).locator("dd").first().textContent()).trim();
}

const browser = await launchBrowser();
let failed = false;
let step = "starting";
try {
  const errors = [];

  step = "Two visitors: the AI alone (rated 5), and a human asked for and answering.";
  const visitors = await browser.newContext({ locale: "ru-RU" });
  const alone = await visitorWithAnswer(visitors, allowed, errors, "Сколько идёт доставка?");
  await alone.getByRole("button", { name: "Завершить чат" }).click();
  await alone.locator(".aiw-star").nth(4).click();
  await alone.getByText("Спасибо за оценку!").waitFor();
  const asking = await visitorWithAnswer(await browser.newContext({ locale: "ru-RU" }), allowed, errors, "А самовывоз есть?");
  await asking.getByRole("button", { name: "Позвать оператора" }).click();
  let waiting = { items: [] };
  for (let attempt = 0; attempt < 100 && waiting.items.length === 0; attempt++) {
    await new Promise((ok) => setTimeout(ok, 100));
    waiting = await (await fetch(`${server.url}/api/v1/admin/conversations?status=waiting_human`, {
      headers: { authorization: `Bearer ${admin.token}` },
    })).json();
  }
  check(waiting.items.length === 1, `one conversation waits: ${JSON.stringify(waiting.items)}`);
  const handed = waiting.items[0].id;
  await api(server, `/api/v1/admin/conversations/${handed}/takeover`, admin.token, {});
  await api(server, `/api/v1/admin/conversations/${handed}/messages`, admin.token, { text: "Да, на Тверской, 5." });
  await asking.locator(".aiw-operator", { hasText: "Тверской" }).waitFor();

  step = "The owner reads the last 30 days: the cards and four charts.";
  const desk = await browser.newContext({
    viewport: { width: 1400, height: 1000 }, locale: "ru-RU", extraHTTPHeaders: { "Accept-Language": "ru-RU" },
  });
  const page = await desk.newPage();
  page.on("pageerror", (error) => errors.push(String(error)));
  await signIn(page, server);
  await page.goto(`${server.url}/admin/analytics`);
  await hydrated(page);
  await page.getByRole("heading", { name: "Аналитика" }).waitFor();
  check(await card(page, "Диалоги") === "2", `two conversations: ${await card(page, "Диалоги")}`);
  check(await card(page, "ИИ ответил сам") === "1", "one answered by the AI alone");
  check(await card(page, "Переданы человеку") === "1", "one handed to a human");
  check(await card(page, "Оценка") === "★ 5.0", `the rating: ${await card(page, "Оценка")}`);
  check(/\d+ с/.test(await card(page, "Медиана времени")), "the median wait is shown in seconds");
  check(await page.locator("figure.chart").count() === 4, "four charts");
  check(await page.locator("figure.chart").first().locator("svg > g").count() === 30, "thirty days drawn");
  check(await page.locator("figure.chart").first().locator("rect").count() >= 2, "today's bars are drawn");
  check(await page.locator("line.chart-limit").count() === 2, "the two budgets are drawn as lines");
  await page.screenshot({ path: join(SCREENSHOTS, "dashboard-analytics-desktop.png"), fullPage: true });

  step = "A shorter period and one project.";
  const to = await page.locator("input[name=to]").inputValue();
  const from = new Date(`${to}T00:00:00Z`);
  from.setUTCDate(from.getUTCDate() - 6);
  await page.locator("input[name=from]").fill(from.toISOString().slice(0, 10));
  await page.locator("input[name=from]").dispatchEvent("change");
  await page.waitForFunction(() => document.querySelector("figure.chart svg").querySelectorAll(":scope > g").length === 7);
  await page.locator(".stats-controls select").selectOption({ label: "Чайный магазин" });
  await page.waitForFunction(() => document.querySelector(".stats-controls a.button")?.href.includes("project_id="));
  check(await card(page, "Диалоги") === "2", "the project's two conversations");

  step = "The CSV export, through the admin's session.";
  const href = await page.locator(".stats-controls a.button").getAttribute("href");
  check(href.includes(`project_id=${project.id}`), `the link names the project: ${href}`);
  const csv = await page.evaluate(async (link) => {
    const response = await fetch(link);
    return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
  }, href);
  check(csv.status === 200 && csv.type.startsWith("text/csv"), `the export answers CSV: ${csv.status} ${csv.type}`);
  const lines = csv.text.trim().split("\n");
  check(lines.length === 3 && lines[0].startsWith("conversation_id,project,"), `a header and two rows: ${csv.text}`);

  step = "On a phone: the cards and the charts fit the width.";
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, locale: "ru-RU", isMobile: true, hasTouch: true,
    extraHTTPHeaders: { "Accept-Language": "ru-RU" },
  });
  const mobile = await phone.newPage();
  mobile.on("pageerror", (error) => errors.push(String(error)));
  await signIn(mobile, server);
  await mobile.goto(`${server.url}/admin/analytics`);
  await hydrated(mobile);
  await mobile.locator("figure.chart").first().waitFor();
  const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 390, `nothing wider than the phone's 390 px: ${width}`);
  await mobile.screenshot({ path: join(SCREENSHOTS, "dashboard-analytics-phone.png"), fullPage: true });

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  console.log("analytics browser test: ok");
} catch (error) {
  console.error(`analytics browser test failed at: ${step}`);
  console.error(error);
  failed = true;
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

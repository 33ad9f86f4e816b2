// The visitor's rating in the browser (docs/copilot.md, "Ratings"): the
// visitor ends the chat with the widget's "End chat", the widget asks "How
// did we do?", a star sends the rating with the comment typed so far, and
// the widget thanks them; operators see the rating in the inbox row and the
// conversation. An operator's Close asks too (on a phone); the same
// visitor's next, AI-only conversation is not asked about when the project
// asks after human ones; a project that asks `never` does not ask. Screenshots go to docs/screenshots/
// (widget-rating-desktop.png, widget-rating-phone.png, dashboard-rating-desktop.png).
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
  widget: { rating_after: "both" },
  handoff: { ai_allowed: false, timeout_minutes: null },
});
site.projectId = project.id;

/** Changes the project's `widget.rating_after`. */
async function askAfter(value) {
  const response = await fetch(`${server.url}/api/v1/admin/projects/${project.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ widget: { rating_after: value } }),
  });
  check(response.ok, `rating_after ${value}: ${response.status}`);
}

/** A GET of the admin API. */
async function read(path) {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${admin.token}` } });
  check(response.ok, `${path}: ${response.status}`);
  return response.json();
}

const browser = await launchBrowser();
let failed = false;
let step = "starting";
try {
  const errors = [];

  // The visitor ends the chat and rates it.
  step = "The visitor ends the chat; the widget asks and a star sends the rating with the comment.";
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const visitor = await visitorWithAnswer(desk, allowed, errors, "Сколько идёт доставка?");
  const rate = visitor.locator(".aiw-rate");
  check(await rate.isHidden(), "nothing is asked while the conversation is open");
  await visitor.getByRole("button", { name: "Завершить чат" }).click();
  await rate.waitFor();
  await visitor.getByText("Как мы справились?").waitFor();
  check(await visitor.locator(".aiw-end").isHidden(), "an ended chat has no End chat");
  await visitor.getByLabel("Комментарий (необязательно)").fill("Быстро и по делу");
  await visitor.screenshot({ path: join(SCREENSHOTS, "widget-rating-desktop.png") });
  await visitor.locator(".aiw-star").nth(3).click();
  await visitor.getByText("Спасибо за оценку!").waitFor();
  await rate.waitFor({ state: "hidden" });

  // The operator sees it in the inbox row and the conversation.
  step = "The operator sees the rating in the inbox row and the conversation.";
  const dashboardContext = await browser.newContext({
    viewport: { width: 1400, height: 900 }, locale: "ru-RU", extraHTTPHeaders: { "Accept-Language": "ru-RU" },
  });
  const dashboard = await dashboardContext.newPage();
  dashboard.on("pageerror", (error) => errors.push(String(error)));
  await signIn(dashboard, server);
  await dashboard.goto(`${server.url}/admin/inbox`);
  await hydrated(dashboard);
  const row = dashboard.locator(".conversation-row").first();
  await row.locator(".rating", { hasText: "★ 4" }).waitFor();
  await row.click();
  const line = dashboard.locator(".rating-line");
  await line.getByText("★★★★☆").waitFor();
  await line.getByText("Быстро и по делу").waitFor();
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-rating-desktop.png") });

  // On a phone, an operator's Close asks too.
  step = "On a phone, an operator's Close asks too.";
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, locale: "ru-RU", isMobile: true, hasTouch: true,
  });
  const mobile = await visitorWithAnswer(phone, allowed, errors, "А самовывоз есть?");
  const inbox = await read("/api/v1/admin/conversations?status=ai");
  const open = inbox.items.find((item) => item.last_message_preview?.includes("1–2 дня"));
  check(open, `the phone visitor's conversation is in the inbox: ${JSON.stringify(inbox.items)}`);
  await api(server, `/api/v1/admin/conversations/${open.id}/takeover`, admin.token, {});
  await api(server, `/api/v1/admin/conversations/${open.id}/messages`, admin.token, { text: "Да, на Тверской, 5." });
  await mobile.locator(".aiw-operator", { hasText: "Тверской" }).waitFor();
  await api(server, `/api/v1/admin/conversations/${open.id}/close`, admin.token, {});
  await mobile.locator(".aiw-rate").waitFor();
  const fits = await mobile.evaluate(() => {
    const root = document.querySelector("[data-aiwidget]").shadowRoot;
    const stars = [...root.querySelectorAll(".aiw-star")].map((star) => star.getBoundingClientRect());
    return stars.length === 5 && stars.every((star) => star.left >= 0 && star.right <= window.innerWidth && star.width >= 24);
  });
  check(fits, "five stars fit the phone's width, each big enough to tap");
  await mobile.screenshot({ path: join(SCREENSHOTS, "widget-rating-phone.png") });
  await mobile.locator(".aiw-star").nth(4).click();
  await mobile.getByText("Спасибо за оценку!").waitFor();
  const rated = await read(`/api/v1/admin/conversations/${open.id}`);
  check(rated.conversation.rating?.score === 5, `the rating is stored: ${JSON.stringify(rated.conversation.rating)}`);

  // The same visitor writes again: a new conversation the AI alone answers.
  // Asked after human ones only, ending it asks nothing (the operator's
  // messages above belong to the one before).
  step = "A new AI-only conversation of the same visitor, asked after human ones only: nothing is asked.";
  await askAfter("human");
  // The widget reads the project's choice when the page loads.
  await mobile.reload();
  await mobile.locator(".aiw-launcher").click();
  await mobile.locator(".aiw-operator", { hasText: "Тверской" }).waitFor();
  const answers = await mobile.locator(".aiw-ai[data-status=complete]").count();
  await mobile.locator(".aiw-input").fill("И ещё: есть ли упаковка?");
  await mobile.locator(".aiw-input").press("Enter");
  await mobile.waitForFunction(
    (before) => document.querySelector("[data-aiwidget]").shadowRoot.querySelectorAll(".aiw-ai[data-status=complete]").length > before,
    answers,
  );
  await mobile.getByRole("button", { name: "Завершить чат" }).click();
  await mobile.getByText("Разговор завершён").waitFor();
  check(await mobile.locator(".aiw-rate").isHidden(), "no rating is asked after an AI-only conversation");

  // A project that never asks: ending the chat asks nothing.
  step = "A project that never asks: ending the chat asks nothing.";
  await askAfter("never");
  const quiet = await visitorWithAnswer(await browser.newContext({ locale: "ru-RU" }), allowed, errors, "Спасибо, всё понятно");
  await quiet.getByRole("button", { name: "Завершить чат" }).click();
  await quiet.getByText("Разговор завершён").waitFor();
  check(await quiet.locator(".aiw-rate").isHidden(), "no rating is asked when the project never asks");

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  console.log("ratings browser test: ok");
} catch (error) {
  console.error(`ratings browser test failed at: ${step}`);
  console.error(error);
  failed = true;
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

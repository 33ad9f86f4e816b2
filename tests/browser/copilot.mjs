// The operator's copilot in the browser (docs/copilot.md): an admin adds a
// canned reply on the project page; a visitor asks for a human and the
// conversation's summary heads it in the inbox; typing "/" lists the
// replies, typing filters them, arrows and Enter insert one with its
// variables filled, and it can be edited before it is sent; "Suggest a
// reply" streams a draft into the reply box that reaches the visitor only
// when the operator sends it; a failed suggestion says so under the box and
// leaves the box as it was. Desktop and phone. Screenshots go to
// docs/screenshots/ (dashboard-canned-replies-*.png, dashboard-summary-desktop.png,
// dashboard-reply-menu-*.png, dashboard-suggestion-*.png).
import { join } from "node:path";
import {
  ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, signIn, startFake, startHost, startServer,
} from "./harness.mjs";

// What engine::services::copilot::suggest sends (SUGGESTION_TASK): the fake answers it with SUGGESTION.
const TASK = "Draft the next reply that a human operator of this site will send to the visitor.";
const SUGGESTION =
  "Ваш заказ передан в доставку вчера, курьер привезёт его завтра с 10 до 18 часов. Номер для отслеживания пришлём в SMS.";
// What engine::services::copilot::summary sends (SUMMARY_TASK): the fake answers it with SUMMARY.
const SUMMARY_TASK = "Summarise this conversation for the human operator who takes it over.";
const SUMMARY = "Спрашивает, когда привезут заказ; ИИ пообещал проверить. Нужен статус доставки.";
const fake = await startFake("Здравствуйте! Сейчас посмотрю.", 120, [[TASK, SUGGESTION], [SUMMARY_TASK, SUMMARY]]);
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
for (const reply of [
  { title: "Приветствие", shortcut: "privet", text: "Здравствуйте! Меня зовут {operator_name}, я помогу." },
  { title: "Возврат", shortcut: "vozvrat", text: "Вернуть товар можно в течение 14 дней." },
]) {
  await api(server, `/api/v1/admin/projects/${project.id}/replies`, admin.token, reply);
}

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

  // The admin adds a canned reply on the project page.
  step = "The admin adds a canned reply on the project page.";
  await dashboard.goto(`${server.url}/admin/projects/${project.id}`);
  await hydrated(dashboard);
  const section = dashboard.locator("#canned-replies");
  await section.getByText("/privet").waitFor();
  await section.getByLabel("Название").fill("Доставка");
  await section.getByLabel("Команда").fill("/Dostavka");
  await section
    .getByLabel("Текст")
    .fill("Доставка по Москве занимает 1–2 дня. {project_name}, оператор {operator_name}. Страница: {page_url}");
  await section.getByRole("button", { name: "Добавить шаблон" }).click();
  await section.getByText("/dostavka").waitFor();
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: join(SCREENSHOTS, "dashboard-canned-replies-desktop.png") });

  // A visitor writes; the operator opens the conversation.
  step = "A visitor writes; the operator opens the conversation.";
  const visit = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const visitor = await visit.newPage();
  visitor.on("pageerror", (error) => errors.push(String(error)));
  await visitor.goto(allowed);
  await visitor.locator(".aiw-launcher").click();
  const input = visitor.locator(".aiw-input");
  await input.fill("Когда привезут мой заказ?");
  await input.press("Enter");
  await visitor.locator(".aiw-ai[data-status=complete]").waitFor({ timeout: 30_000 });

  // The visitor asks for a human: the summary heads the conversation.
  step = "The visitor asks for a human: the summary heads the conversation.";
  await visitor.locator(".aiw-handoff").click();
  await visitor.getByText("Мы позвали оператора: он скоро подключится.").waitFor();
  await dashboard.goto(`${server.url}/admin/inbox`);
  await hydrated(dashboard);
  await dashboard.locator(".conversation-row[data-status=waiting_human]").click();
  await dashboard.locator(".msg[data-role=visitor]", { hasText: "Когда привезут" }).waitFor();
  await dashboard.locator(".summary-text", { hasText: SUMMARY }).waitFor({ timeout: 30_000 });
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-summary-desktop.png") });
  check(
    (await visitor.getByText("ИИ пообещал проверить").count()) === 0,
    "the visitor never sees the summary",
  );
  const box = dashboard.locator(".composer textarea");

  // "/" lists every reply; typing filters; arrows move; Enter inserts, filled.
  step = "\"/\" lists the replies; typing filters them; arrows and Enter insert one, filled.";
  await box.click();
  await box.pressSequentially("/");
  const menu = dashboard.locator(".reply-menu");
  await menu.waitFor();
  check((await menu.locator("[role=option]").count()) === 3, "all three replies are listed");
  await box.pressSequentially("d");
  await menu.locator("[role=option]", { hasText: "/dostavka" }).waitFor();
  check((await menu.locator("[role=option]").count()) === 1, "typing filters the list");
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-reply-menu-desktop.png") });
  await box.press("Backspace");
  await menu.locator("[role=option]").nth(2).waitFor();
  await box.press("ArrowDown");
  await box.press("ArrowDown");
  check(
    (await menu.locator("[role=option][aria-selected=true]").innerText()).includes("/vozvrat"),
    "the arrows move the choice",
  );
  await box.press("Escape");
  await menu.waitFor({ state: "detached" });
  await box.press("Backspace");
  await box.pressSequentially("/dos");
  await box.press("Enter");
  await menu.waitFor({ state: "detached" });
  const filled = await box.inputValue();
  check(filled.includes("Чайный магазин, оператор Administrator"), `variables are filled: ${filled}`);
  check(filled.includes(`Страница: ${allowed}`), `the page is filled: ${filled}`);
  // Edited before it is sent.
  await box.press("End");
  await box.pressSequentially(" Спасибо!");
  await box.press("Enter");
  await visitor.locator(".aiw-operator", { hasText: "1–2 дня" }).waitFor();
  check(
    (await visitor.locator(".aiw-operator", { hasText: "Спасибо!" }).count()) === 1,
    "the edited reply reached the visitor",
  );

  // "Suggest a reply" streams a draft into the box; the visitor gets nothing until it is sent.
  step = "\"Suggest a reply\" streams a draft into the box; nothing reaches the visitor until it is sent.";
  const suggest = dashboard.getByRole("button", { name: "Предложить ответ" });
  await suggest.click();
  await dashboard.getByRole("button", { name: "Пишу черновик…" }).waitFor();
  await dashboard.waitForFunction(
    () => (document.querySelector(".composer textarea")?.value ?? "").split(" ").length >= 5,
  );
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-suggestion-streaming-desktop.png") });
  await dashboard.waitForFunction(
    (text) => document.querySelector(".composer textarea")?.value === text,
    SUGGESTION,
    { timeout: 30_000 },
  );
  await suggest.waitFor();
  check(
    (await visitor.locator(".aiw-operator", { hasText: "курьер привезёт" }).count()) === 0,
    "the draft did not reach the visitor",
  );
  await box.press("Enter");
  await visitor.locator(".aiw-operator", { hasText: "курьер привезёт" }).waitFor();

  // A failed suggestion says so and leaves the box as it was.
  step = "A failed suggestion says so under the box and leaves the box as it was.";
  const removed = await fetch(`${server.url}/api/v1/admin/projects/${project.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ openai_api_key: null }),
  });
  check(removed.ok, `the key was removed: ${removed.status}`);
  await box.fill("Мой черновик");
  await suggest.click();
  await dashboard.locator(".composer-note", { hasText: "ИИ не смог предложить ответ" }).waitFor();
  check((await box.inputValue()) === "Мой черновик", "the box kept what the operator wrote");
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-suggestion-failed-desktop.png") });

  // On a phone: the menu and the buttons fit.
  step = "On a phone: the menu and the buttons fit.";
  await dashboard.setViewportSize({ width: 390, height: 844 });
  await box.fill("");
  await box.pressSequentially("/");
  await menu.waitFor();
  const fits = await dashboard.evaluate(() => {
    const menuBox = document.querySelector(".reply-menu").getBoundingClientRect();
    const button = document.querySelector(".composer-actions .primary").getBoundingClientRect();
    return menuBox.left >= 0 && menuBox.right <= window.innerWidth && button.right <= window.innerWidth;
  });
  check(fits, "the menu and the send button are inside the screen");
  await box.scrollIntoViewIfNeeded();
  await dashboard.screenshot({ path: join(SCREENSHOTS, "dashboard-reply-menu-phone.png") });
  await dashboard.goto(`${server.url}/admin/projects/${project.id}`);
  await hydrated(dashboard);
  await section.getByText("/dostavka").waitFor();
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: join(SCREENSHOTS, "dashboard-canned-replies-phone.png") });

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  console.log("copilot browser test: ok");
} catch (error) {
  console.error(`copilot browser test failed at: ${step}`);
  console.error(error);
  failed = true;
} finally {
  await browser.close();
  server.stop();
  fake.stop();
  site.stop();
}
process.exit(failed ? 1 : 0);

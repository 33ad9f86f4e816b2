// The knowledge base in a real browser. A test website (sitemap, pages) is
// imported through the API; the Knowledge page of the dashboard shows it with
// its progress, an uploaded file and a Q&A pair added through the page, and
// the playground streams an answer with its sources; in the widget, an answer
// citing a page links its title to the page's URL (rel="noopener noreferrer
// nofollow", a new tab). Screenshots go to docs/screenshots/
// (dashboard-knowledge-{desktop,phone}.png, dashboard-playground-desktop.png,
// dashboard-project-check-desktop.png, widget-source-link-desktop.png). The project
// page shows the project check too.
import { createServer } from "node:http";
import { join } from "node:path";
import { ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, startFake, startHost, startServer } from "./harness.mjs";

const REPLY = "Доставка по Москве занимает один день.";

/** A small shop site on its own origin: a sitemap and three pages. */
function startShopSite() {
  const pages = {
    "/": ["Чайный магазин", "Мы продаём чай из Китая и Индии."],
    "/delivery": ["Доставка", "По Москве — один день, по России — от трёх дней."],
    "/returns": ["Возврат", "Вернуть товар можно в течение 14 дней."],
  };
  const http = createServer((request, response) => {
    const base = `http://127.0.0.1:${http.address().port}`;
    if (request.url === "/sitemap.xml") {
      const urls = Object.keys(pages).map((path) => `<url><loc>${base}${path}</loc></url>`).join("");
      response.writeHead(200, { "content-type": "application/xml" });
      response.end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
      return;
    }
    const page = pages[request.url];
    if (!page) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><html lang="ru"><head><title>${page[0]}</title></head>
<body><nav><a href="/">Главная</a></nav><main><h1>${page[0]}</h1><p>${page[1]}</p></main></body></html>`);
  });
  return new Promise((ok) => http.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${http.address().port}`, stop: () => http.close() })));
}

/** GET with a Bearer token; the JSON answer. */
async function get(server, path, token) {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const json = await response.json();
  check(response.ok, `${path}: ${JSON.stringify(json)}`);
  return json;
}

/** Polls the knowledge base until `done(view)` (30 s at most). */
async function knowledgeUntil(server, token, projectId, done) {
  for (let i = 0; i < 300; i += 1) {
    const view = await get(server, `/api/v1/admin/projects/${projectId}/knowledge`, token);
    if (done(view)) return view;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error("the knowledge base did not settle");
}

const settled = (view) =>
  view.sites.every((site) => site.status === "ready" || site.status === "failed") &&
  view.files.every((file) => file.status !== "processing");

const fake = await startFake(REPLY, 20);
const server = await startServer();
const shopSite = await startShopSite();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const host = await startHost(server.url);
const allowed = `http://127.0.0.1:${host.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Чайный магазин",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  allowed_origins: [allowed],
  instructions: "Отвечай кратко, по базе знаний магазина.",
});
host.projectId = project.id;
await api(server, `/api/v1/admin/projects/${project.id}/knowledge/sites`, admin.token, {
  url: `${shopSite.url}/sitemap.xml`, max_pages: 20, schedule: "weekly",
});
const imported = await knowledgeUntil(server, admin.token, project.id, (view) => view.sites.length === 1 && settled(view));
check(imported.sites[0].status === "ready", `the site is imported: ${JSON.stringify(imported.sites[0])}`);
check(imported.sites[0].pages === 3, `three pages: ${JSON.stringify(imported.sites[0])}`);

const browser = await launchBrowser();
let failed = false;
try {
  // The widget: an answer citing a page links its title to the page.
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
  const page = await visitor.newPage();
  await page.goto(allowed);
  await page.locator(".aiw-launcher").click();
  const input = page.locator(".aiw-input");
  await input.waitFor();
  await input.fill("Как долго доставка?");
  await input.press("Enter");
  const answer = page.locator(".aiw-ai[data-status=complete]");
  await answer.waitFor({ timeout: 20_000 });
  const source = answer.locator(".aiw-sources a");
  await source.waitFor();
  const title = (await source.textContent()).trim();
  const cited = imported.files.find((file) => file.url && file.title === title);
  check(cited !== undefined, `the source is a page by its title: ${title}`);
  check((await source.getAttribute("href")) === cited.url, "linked to the page's URL");
  check((await source.getAttribute("rel")) === "noopener noreferrer nofollow", "rel noopener noreferrer nofollow");
  check((await source.getAttribute("target")) === "_blank", "opened in a new tab");
  await page.screenshot({ path: join(SCREENSHOTS, "widget-source-link-desktop.png") });
  await visitor.close();

  // The dashboard's Knowledge page, in English on a laptop and in Russian on a phone.
  for (const layout of [
    { name: "desktop", viewport: { width: 1280, height: 900 }, locale: "en-US", login: "Log in", username: /username/i, password: /password/i },
    { name: "phone", viewport: { width: 390, height: 844 }, locale: "ru-RU", isMobile: true, login: "Войти", username: /Имя пользователя/i, password: /Пароль/i },
  ]) {
    const context = await browser.newContext({
      viewport: layout.viewport, locale: layout.locale, isMobile: layout.isMobile ?? false,
      extraHTTPHeaders: { "Accept-Language": layout.locale },
    });
    const dashboard = await context.newPage();
    const errors = [];
    dashboard.on("pageerror", (error) => errors.push(String(error)));
    await dashboard.goto(`${server.url}/admin/login`);
    await hydrated(dashboard);
    await dashboard.getByLabel(layout.username).fill("admin");
    await dashboard.getByLabel(layout.password).fill(ADMIN_PASSWORD);
    await dashboard.getByRole("button", { name: layout.login }).click();
    await dashboard.waitForURL(/\/admin\/?$/);
    await dashboard.goto(`${server.url}/admin/projects/${project.id}/knowledge`);
    await hydrated(dashboard);
    await dashboard.getByText(`${shopSite.url}/sitemap.xml`).first().waitFor();
    if (layout.name === "desktop") {
      // A file uploaded, a refused one with its reason, a Q&A pair written, all through the page.
      await dashboard.locator(".kb-upload input[type=file]").setInputFiles([
        { name: "prices.md", mimeType: "text/markdown", buffer: Buffer.from("# Prices\n\nGreen tea: 450 roubles per 100 g.") },
        { name: "logo.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
      ]);
      await dashboard.locator(".kb-files .kb-list", { hasText: "prices.md" }).waitFor();
      await dashboard.locator(".kb-uploads .field-error", { hasText: "logo.png" }).waitFor();
      const qa = dashboard.locator(".kb-qa, section", { hasText: "Questions and answers" }).last();
      await qa.getByLabel("Question", { exact: true }).fill("Do you deliver on Sundays?");
      await qa.getByLabel("Answer", { exact: true }).fill("Yes, every day from 10 to 20.");
      await qa.getByRole("button", { name: "Add" }).click();
      await dashboard.getByText("Do you deliver on Sundays?").first().waitFor();
      const settledView = await knowledgeUntil(server, admin.token, project.id, (view) => settled(view) && view.qa.length === 1);
      check(settledView.files.some((file) => file.name === "prices.md" && file.status === "ready"), "the upload is ready");
      check(settledView.qa[0].status === "ready", "the pair is ready");
      await dashboard.reload();
      await hydrated(dashboard);
      await dashboard.getByText("prices.md").first().waitFor();
    }
    // The project check has answered (key, model, the own vector store).
    await dashboard.waitForFunction(() => !/Checking|Проверяем/.test(document.body.innerText), null, { timeout: 20_000 });
    check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
    await dashboard.screenshot({ path: join(SCREENSHOTS, `dashboard-knowledge-${layout.name}.png`), fullPage: true });
    if (layout.name === "desktop") {
      // The project page shows the same check: key, model, the own vector store.
      await dashboard.goto(`${server.url}/admin/projects/${project.id}`);
      await hydrated(dashboard);
      await dashboard.locator(".kb-check .kb-badge.ok").nth(2).waitFor({ timeout: 20_000 });
      check((await dashboard.locator(".kb-check .kb-badge.bad").count()) === 0, "every check passes on the project page");
      await dashboard.locator(".kb-check").screenshot({ path: join(SCREENSHOTS, "dashboard-project-check-desktop.png") });
      check(errors.length === 0, `no page errors on the project page: ${errors.join("; ")}`);
      await dashboard.goto(`${server.url}/admin/projects/${project.id}/knowledge`);
      await hydrated(dashboard);
      // The playground: the answer streams with its sources and the instructions in effect.
      const playground = dashboard.locator(".kb-playground");
      await playground.locator("textarea").fill("How long is delivery?");
      await playground.getByRole("button", { name: "Ask" }).click();
      await playground.locator(".kb-answer", { hasText: REPLY }).waitFor({ timeout: 20_000 });
      await playground.locator(".kb-sources li").first().waitFor();
      check((await playground.locator(".kb-in-effect").textContent()).includes("Отвечай кратко"), "the instructions in effect are shown");
      await playground.screenshot({ path: join(SCREENSHOTS, "dashboard-playground-desktop.png") });
      const conversations = await get(server, `/api/v1/admin/conversations?project_id=${project.id}`, admin.token);
      check(conversations.items.length === 1, "the playground stores no conversation (only the visitor's)");
    }
    await context.close();
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
  fake.stop();
  host.stop();
  shopSite.stop();
  server.stop();
}
if (failed) process.exit(1);
console.log("knowledge: ok");

// Retrieval by aiwidget in a real browser (issue 18): a project on Chat
// Completions with an embedding model; two files uploaded through the API
// are embedded by aiwidget (against the fake OpenAI's /embeddings). The
// Knowledge page shows "Search by aiwidget" with the files embedded, the
// playground lists the chunks found with their scores (the warranty file
// first) and cites it; the project page shows the embedding model field;
// the widget cites the file that holds the answer. Screenshots go to
// docs/screenshots/ (dashboard-retrieval-{desktop,phone}.png,
// dashboard-embedding-model-desktop.png, widget-retrieval-source-phone.png).
import { join } from "node:path";
import { ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, signIn, startFake, startHost, startServer, visitorWithAnswer } from "./harness.mjs";

const REPLY = "The kettle is under warranty for two years.";
const WARRANTY = "# Warranty\n\nThe kettle warranty lasts 24 months from the day of purchase.";
const DELIVERY = "# Delivery\n\nDelivery in Moscow takes one day by courier.";

/** Uploads `text` as the file `name` through the API. */
async function upload(server, token, projectId, name, text) {
  const form = new FormData();
  form.append("file", new Blob([text], { type: "text/markdown" }), name);
  const response = await fetch(`${server.url}/api/v1/admin/projects/${projectId}/knowledge/files`, {
    method: "POST", headers: { authorization: `Bearer ${token}` }, body: form,
  });
  check(response.status === 201, `${name} uploaded: ${response.status} ${await response.text()}`);
}

/** Polls the knowledge base until `done(view)` (30 s at most). */
async function knowledgeUntil(server, token, projectId, done) {
  for (let i = 0; i < 300; i += 1) {
    const response = await fetch(`${server.url}/api/v1/admin/projects/${projectId}/knowledge`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const view = await response.json();
    if (done(view)) return view;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error("the knowledge base was not embedded");
}

const fake = await startFake(REPLY, 20);
const server = await startServer();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const host = await startHost(server.url);
const allowed = `http://127.0.0.1:${host.port}`;
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Kettle shop",
  openai_api_key: "sk-test-valid-key-0000",
  openai_base_url: fake.url,
  api_style: "chat_completions",
  embedding_model: "text-embedding-3-small",
  allowed_origins: [allowed],
  instructions: "Answer briefly from the shop's documents.",
});
host.projectId = project.id;
await upload(server, admin.token, project.id, "warranty.md", WARRANTY);
await upload(server, admin.token, project.id, "delivery.md", DELIVERY);
const embedded = await knowledgeUntil(server, admin.token, project.id, (view) => view.retrieval?.embedded === 2);
check(embedded.retrieval.in_use === "text-embedding-3-small", `searched with the model: ${JSON.stringify(embedded.retrieval)}`);

const browser = await launchBrowser();
let failed = false;
try {
  // The widget on a phone: the answer cites the file that holds it.
  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: "en-US" });
  const widgetErrors = [];
  const page = await visitorWithAnswer(visitor, allowed, widgetErrors, "How long does the kettle warranty last?");
  const sources = page.locator(".aiw-ai[data-status=complete] .aiw-sources");
  await sources.waitFor();
  const cited = (await sources.textContent()).trim();
  check(cited.includes("Warranty") || cited.includes("warranty.md"), `the warranty file is cited: ${cited}`);
  check(!cited.includes("delivery"), `and not the other file: ${cited}`);
  check(widgetErrors.length === 0, `no widget errors: ${widgetErrors.join("; ")}`);
  await page.screenshot({ path: join(SCREENSHOTS, "widget-retrieval-source-phone.png") });
  await visitor.close();

  for (const layout of [
    { name: "desktop", viewport: { width: 1280, height: 900 }, locale: "en-US", embedded: "2 of 2", ask: "Ask", chunks: "Chunks found" },
    { name: "phone", viewport: { width: 390, height: 844 }, locale: "ru-RU", isMobile: true, embedded: "2 из 2", ask: "Спросить", chunks: "Фрагменты" },
  ]) {
    const context = await browser.newContext({
      viewport: layout.viewport, locale: layout.locale, isMobile: layout.isMobile ?? false,
      extraHTTPHeaders: { "Accept-Language": layout.locale },
    });
    const dashboard = await context.newPage();
    const errors = [];
    dashboard.on("pageerror", (error) => errors.push(String(error)));
    if (layout.locale === "ru-RU") {
      await signIn(dashboard, server);
    } else {
      await dashboard.goto(`${server.url}/admin/login`);
      await hydrated(dashboard);
      await dashboard.getByLabel(/username/i).fill("admin");
      await dashboard.getByLabel(/password/i).fill(ADMIN_PASSWORD);
      await dashboard.getByRole("button", { name: "Log in" }).click();
      await dashboard.waitForURL(/\/admin\/?$/);
    }
    await dashboard.goto(`${server.url}/admin/projects/${project.id}/knowledge`);
    await hydrated(dashboard);
    const panel = dashboard.locator(".kb-retrieval");
    await panel.waitFor();
    const status = await panel.textContent();
    check(status.includes("text-embedding-3-small") && status.includes(layout.embedded), `the panel: ${status}`);
    const playground = dashboard.locator(".kb-playground");
    await playground.locator("textarea").fill("How long does the kettle warranty last?");
    await playground.getByRole("button", { name: layout.ask }).click();
    await playground.locator(".kb-answer", { hasText: REPLY }).waitFor({ timeout: 20_000 });
    const chunks = playground.locator(".kb-chunks");
    await chunks.waitFor();
    check((await chunks.locator("summary").textContent()).includes(layout.chunks), "the chunks' heading");
    const first = await chunks.locator("li").first().textContent();
    check(first.includes("24 months"), `the warranty chunk comes first: ${first}`);
    const score = Number((await chunks.locator(".kb-score").first().textContent()).trim());
    check(score >= 0.2 && score <= 1, `a score: ${score}`);
    check((await chunks.locator("li").count()) === 1, "only the close chunk is given to the model");
    await playground.locator(".kb-sources li", { hasText: "Warranty" }).waitFor();
    check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
    await dashboard.screenshot({ path: join(SCREENSHOTS, `dashboard-retrieval-${layout.name}.png`), fullPage: true });
    if (layout.name === "desktop") {
      await dashboard.goto(`${server.url}/admin/projects/${project.id}`);
      await hydrated(dashboard);
      const field = dashboard.getByLabel("Embedding model (knowledge base)");
      await field.waitFor();
      check((await field.inputValue()) === "text-embedding-3-small", "the project's embedding model");
      const fieldset = dashboard.locator("fieldset", { has: field });
      await fieldset.screenshot({ path: join(SCREENSHOTS, "dashboard-embedding-model-desktop.png") });
      check(errors.length === 0, `no page errors on the project page: ${errors.join("; ")}`);
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
  server.stop();
}
if (failed) process.exit(1);
console.log("retrieval: ok");

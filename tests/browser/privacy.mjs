// The privacy buttons of the conversation pane, for an admin: "Export data"
// downloads everything stored about the visitor (contact included) as JSON,
// "Delete visitor's data" asks first, then the conversation leaves the inbox.
// Operators do not see them. In English on a laptop and in Russian on a phone. Screenshots go to
// docs/screenshots/ (dashboard-visitor-privacy-{desktop,phone}.png).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, startServer } from "./harness.mjs";

const ORIGIN = "https://shop.example";
// The browser the visitor's sessions claim to come from (shown in the pane).
const USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

const layouts = [
  { name: "desktop", viewport: { width: 1280, height: 860 }, locale: "en-US", texts: {
    login: "Log in", username: /username/i, password: /password/i, exportData: "Export data",
    deleteData: "Delete visitor's data", visitorText: "Please send my order to the new address",
    contact: { name: "Anna Smirnova", email: "anna@example.org", phone: "+44 20 7946 0000" },
  } },
  { name: "phone", viewport: { width: 390, height: 844 }, locale: "ru-RU", isMobile: true, texts: {
    login: "Войти", username: /Имя пользователя/i, password: /Пароль/i, exportData: "Выгрузить данные",
    deleteData: "Удалить данные посетителя", visitorText: "Пожалуйста, доставьте заказ по новому адресу",
    contact: { name: "Анна Смирнова", email: "anna@example.ru", phone: "+7 900 000-00-00" },
  } },
];

/** A widget call from the project's allowed origin. */
async function widget(server, path, token, body) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: ORIGIN,
      "user-agent": USER_AGENT,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  check(response.ok, `${path}: ${JSON.stringify(json)}`);
  return json;
}

const server = await startServer();
const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
const project = await api(server, "/api/v1/admin/projects", admin.token, {
  name: "Tea shop", allowed_origins: [ORIGIN],
});
const browser = await launchBrowser();
let failed = false;
try {
  for (const layout of layouts) {
    const t = layout.texts;
    // A visitor who wrote and left a contact.
    const session = await widget(server, "/api/v1/widget/session", null, {
      project_id: project.id, locale: layout.locale, page_url: `${ORIGIN}/orders`,
    });
    await widget(server, "/api/v1/widget/messages", session.visitor_token, { text: t.visitorText });
    await widget(server, "/api/v1/widget/contact", session.visitor_token, t.contact);

    const context = await browser.newContext({
      viewport: layout.viewport, locale: layout.locale, isMobile: layout.isMobile ?? false,
      extraHTTPHeaders: { "Accept-Language": layout.locale }, acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${server.url}/admin/login`);
    await hydrated(page);
    await page.getByLabel(t.username).fill("admin");
    await page.getByLabel(t.password).fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: t.login }).click();
    await page.waitForURL(/\/admin\/?$/);
    await page.goto(`${server.url}/admin/inbox`);
    await hydrated(page);
    const row = page.locator(".conversation-row", { hasText: t.contact.name });
    await row.waitFor();
    await row.click();
    const exportLink = page.getByRole("link", { name: t.exportData });
    await exportLink.waitFor();
    await page.locator(".msg[data-role=visitor]", { hasText: t.visitorText }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, `dashboard-visitor-privacy-${layout.name}.png`), fullPage: true });

    // "Export data" downloads the visitor's data with the contact.
    const [download] = await Promise.all([page.waitForEvent("download"), exportLink.click()]);
    const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
    check(exported.visitor.contact_email === t.contact.email, `export: ${JSON.stringify(exported.visitor)}`);
    check(
      exported.conversations[0].messages.some((message) => message.text === t.visitorText),
      "the export has the visitor's message",
    );

    // "Delete visitor's data" asks, then the conversation leaves the inbox.
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      dialog.accept();
    });
    await page.getByRole("button", { name: t.deleteData }).click();
    await row.waitFor({ state: "detached" });
    check(asked.length > 20, `the deletion is confirmed first: "${asked}"`);
    const gone = await fetch(`${server.url}/api/v1/admin/visitors/${exported.visitor.id}/export`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    check(gone.status === 404, `the visitor is gone: ${gone.status}`);
    check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
    await context.close();
    console.log(`ok: ${layout.name}: export and deletion from the conversation pane`);
  }

  // Operators see the conversation but not the buttons (the API refuses them too).
  const password = "operator browser password";
  await api(server, "/api/v1/admin/users", admin.token, {
    username: "olga", display_name: "Olga", password, role: "operator", project_ids: [project.id],
  });
  const session = await widget(server, "/api/v1/widget/session", null, { project_id: project.id });
  await widget(server, "/api/v1/widget/messages", session.visitor_token, { text: "An operator reads this" });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
  const page = await context.newPage();
  await page.goto(`${server.url}/admin/login`);
  await hydrated(page);
  await page.getByLabel(/username/i).fill("olga");
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/admin\/?$/);
  await page.goto(`${server.url}/admin/inbox`);
  await hydrated(page);
  await page.locator(".conversation-row", { hasText: "An operator reads this" }).click();
  await page.locator(".msg[data-role=visitor]", { hasText: "An operator reads this" }).waitFor();
  check((await page.getByRole("link", { name: "Export data" }).count()) === 0, "no export for operators");
  check((await page.getByRole("button", { name: "Delete visitor's data" }).count()) === 0, "no deletion for operators");
  await context.close();
  console.log("ok: operators see no privacy buttons");
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
  server.stop();
}
process.exit(failed ? 1 : 0);

// The dashboard in a real browser: login (wrong, then right), the project
// list, the project form with a validation error next to its field, the
// saved project with its embed snippet; in English on a laptop and in Russian
// on a phone. Screenshots go to docs/screenshots/.
import { join } from "node:path";
import { ADMIN_PASSWORD, SCREENSHOTS, api, check, hydrated, launchBrowser, startServer } from "./harness.mjs";

const layouts = [
  { name: "desktop", viewport: { width: 1280, height: 860 }, locale: "en-US", texts: {
    login: "Log in", wrong: "Wrong username or password.", newProject: "New project", name: "Name",
    save: "Save", line: "Line 1", embed: "Embed code", projects: "Projects",
  } },
  { name: "phone", viewport: { width: 390, height: 844 }, locale: "ru-RU", isMobile: true, texts: {
    login: "Войти", wrong: "Неверное имя пользователя или пароль.", newProject: "Новый проект", name: "Название",
    save: "Сохранить", line: "Строка 1", embed: "Код для вставки", projects: "Проекты",
  } },
];

const server = await startServer();
const browser = await launchBrowser();
let failed = false;
try {
  for (const layout of layouts) {
    const context = await browser.newContext({
      viewport: layout.viewport,
      locale: layout.locale,
      isMobile: layout.isMobile ?? false,
      extraHTTPHeaders: { "Accept-Language": layout.locale },
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    // The dashboard's Content-Security-Policy must block nothing it needs.
    const cspViolations = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });
    const t = layout.texts;
    const shot = (what) => page.screenshot({ path: join(SCREENSHOTS, `dashboard-${what}-${layout.name}.png`), fullPage: true });

    // Unauthenticated visitors land on the login page.
    await page.goto(`${server.url}/admin/`);
    await page.waitForURL("**/admin/login");
    await page.getByRole("button", { name: t.login }).waitFor();
    await hydrated(page);

    // A wrong password is refused with a message.
    await page.getByLabel(/username|Имя пользователя/i).fill("admin");
    await page.getByLabel(/password|Пароль/i).fill("wrong password");
    await page.getByRole("button", { name: t.login }).click();
    await page.getByText(t.wrong).waitFor();
    await shot("login");

    // The right one opens the projects.
    await page.getByLabel(/password|Пароль/i).fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: t.login }).click();
    await page.getByRole("heading", { name: t.projects }).waitFor();

    // A new project with a bad origin: the reason shows next to the field.
    await page.getByRole("link", { name: t.newProject }).click();
    await page.getByLabel(t.name, { exact: true }).fill(layout.name === "phone" ? "Интернет-магазин" : "Shop");
    await page.locator("#allowed-origins").fill("example.com/shop\nhttps://shop.example.com");
    await page.getByRole("button", { name: t.save }).click();
    const originError = page.getByText(t.line);
    await originError.waitFor();
    check((await originError.textContent()).length > t.line.length + 5, "the origin error carries a reason");
    await shot("project-form-error");

    // Fixed, it saves and shows the embed snippet.
    await page.locator("#allowed-origins").fill("https://Shop.Example.com:443\nhttps://*.example.com");
    await page.getByRole("button", { name: t.save }).click();
    await page.getByRole("heading", { name: t.embed }).waitFor();
    const snippet = await page.locator(".snippet code").textContent();
    check(snippet.includes(`${server.url}/widget/widget.js`) && snippet.includes("data-project-id="), `snippet: ${snippet}`);
    const origins = await page.locator("#allowed-origins").inputValue();
    check(origins === "https://shop.example.com\nhttps://*.example.com", `normalised origins: ${origins}`);
    await shot("project-snippet");

    // The list shows it.
    await page.goto(`${server.url}/admin/`);
    await hydrated(page);
    await page.getByRole("heading", { name: t.projects }).waitFor();
    await page.locator(".project").first().waitFor();
    await shot("projects");

    // Operators: add one for this project, change them, and they see only it.
    if (layout.name === "desktop") {
      await page.getByRole("link", { name: "Operators" }).click();
      await page.getByRole("heading", { name: "Add an operator" }).waitFor();
      const form = page.locator("form");
      await form.getByLabel("Username").fill("olga");
      await form.getByLabel("Display name").fill("Olga");
      await form.getByLabel("Password").fill("operator password 1");
      await form.getByLabel("Shop").check();
      await form.getByRole("button", { name: "Save" }).click();
      await page.getByRole("cell", { name: "olga", exact: true }).waitFor();
      await page.getByRole("row", { name: /olga/ }).getByRole("button", { name: "Change" }).click();
      await page.getByRole("heading", { name: "Change the user" }).waitFor();
      await page.locator("form").getByLabel("Display name").fill("Olga Petrova");
      await page.locator("form").getByRole("button", { name: "Save" }).click();
      await page.getByRole("cell", { name: "Olga Petrova" }).waitFor();
      await shot("users");

      const operator = await browser.newContext({ viewport: layout.viewport, locale: "en-US" });
      const operatorPage = await operator.newPage();
      operatorPage.on("console", (message) => {
        if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
      });
      await operatorPage.goto(`${server.url}/admin/login`);
      await hydrated(operatorPage);
      await operatorPage.getByLabel(/username/i).fill("olga");
      await operatorPage.getByLabel(/password/i).fill("operator password 1");
      await operatorPage.getByRole("button", { name: "Log in" }).click();
      await operatorPage.locator(".project").first().waitFor();
      const names = await operatorPage.locator(".project-name").allTextContents();
      check(JSON.stringify(names) === JSON.stringify(["Shop"]), `the operator sees their project only: ${names}`);
      check(await operatorPage.getByRole("link", { name: "Operators" }).count() === 0, "no Operators link for operators");
      await operator.close();

      // A full page load of a project with a saved key hydrates: the lists of
      // its key's models and vector stores (unreachable here) rendered on the
      // server must match what the browser expects, or nothing responds.
      const admin = await api(server, "/api/v1/admin/login", null, { username: "admin", password: ADMIN_PASSWORD });
      const keyed = await api(server, "/api/v1/admin/projects", admin.token, {
        name: "Keyed", allowed_origins: ["https://keyed.example"], openai_api_key: "sk-test-valid-key-0000",
        openai_base_url: "http://127.0.0.1:9/v1", vector_store_ids: ["vs_abc"],
      });
      const crashed = new Promise((ok) => page.once("pageerror", ok));
      await page.goto(`${server.url}/admin/projects/${keyed.id}`);
      await Promise.race([hydrated(page), crashed]);
      check(errors.length === 0, `the keyed project's page hydrates: ${errors.join("; ")}`);
      await page.getByLabel("OpenAI API key").fill("sk-another-key");
      await page.getByRole("button", { name: "Check the key", disabled: false }).waitFor({ timeout: 10_000 });
      // Gone again, so the phone's screenshot of the list stays as it was.
      const deleted = await fetch(`${server.url}/api/v1/admin/projects/${keyed.id}`, {
        method: "DELETE", headers: { authorization: `Bearer ${admin.token}` },
      });
      check(deleted.status === 204, `deleting the keyed project: ${deleted.status}`);
    }

    check(errors.length === 0, `no script errors on the ${layout.name}: ${errors.join("; ")}`);
    check(cspViolations.length === 0, `no CSP violations on the ${layout.name}: ${cspViolations.join("; ")}`);
    await context.close();
    console.log(`dashboard in the browser, ${layout.name} (${layout.locale}): ok`);
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await browser.close();
  server.stop();
}
process.exit(failed ? 1 : 0);

/* aiwidget loader, pasted into host pages as
 *   <script src="https://…/widget/widget.js" data-project-id="…" data-title="…" data-position="right"></script>
 * Optional: data-lang (ru|en), data-color (#rrggbb), data-greeting.
 * Small on purpose. It asks the server for the project's widget config and draws nothing
 * when that is refused (the console says why); otherwise it draws the launcher in an open
 * shadow root at the end of <body> and loads the wasm chat (chat.js + chat_bg.wasm, same
 * folder) on first open, or when idle if this browser already has a conversation. */
(function () {
  "use strict";
  if (window.__aiwidgetLoaded) return; // inserted twice, runs once
  window.__aiwidgetLoaded = true;

  var script = document.currentScript;
  if (!script) return;
  var data = script.dataset;
  var projectId = data.projectId;
  var assets = script.src.replace(/[^/]*(\?.*)?$/, "");
  var server = assets.replace(/\/widget\/$/, "");
  var version = "0.1.0";
  var say = function (why) { console.warn("aiwidget: the chat is not shown: " + why); };
  if (!projectId) return say("the script tag has no data-project-id");

  fetch(server + "/api/v1/widget/config?project_id=" + encodeURIComponent(projectId))
    .then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.message || body.error);
        return body;
      });
    })
    .then(function (config) {
      if (document.body) draw(config);
      else document.addEventListener("DOMContentLoaded", function () { draw(config); });
    })
    .catch(function (error) {
      say((error && error.message) || "the chat server refused this site (is its origin in the project's allowed origins?)");
    });

  // Styles as constructed stylesheets: a host page's CSP (style-src) does not
  // apply to them, and they stay inside the shadow root.
  function adopt(root, css) {
    if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = root.adoptedStyleSheets.concat([sheet]);
    } else {
      var style = document.createElement("style");
      style.textContent = css;
      root.appendChild(style);
    }
  }

  function draw(config) {
    var title = data.title || config.title || "Chat";
    var side = (data.position || config.position) === "left" ? "left" : "right";
    var color = /^#[0-9a-f]{6}$/i.test(data.color || "") ? data.color : config.color;
    var lang = /^ru/i.test(data.lang || config.locale || navigator.language || "") ? "ru" : "en";
    var tokenKey = "aiwidget:token:" + projectId;

    var host = document.createElement("div");
    host.setAttribute("data-aiwidget", "");
    var root = host.attachShadow({ mode: "open" });
    host.style.setProperty("--aiw-accent", color);
    adopt(root,
      ":host{all:initial}" +
      ".aiw-launcher{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;display:flex;align-items:center;gap:8px;" +
      "border:0;border-radius:28px;padding:14px 20px;background:var(--aiw-accent);color:#fff;" +
      "font:600 15px system-ui,sans-serif;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25)}" +
      ".aiw-launcher:focus-visible{outline:3px solid #111;outline-offset:3px}" +
      ".aiw-badge{min-width:20px;padding:1px 6px;border-radius:10px;background:#dc2626;font-size:12px}" +
      ".aiw-frame{position:fixed;bottom:84px;" + side + ":20px;z-index:2147483000;width:380px;height:min(600px,calc(100vh - 104px))}" +
      "@media (max-width:480px){.aiw-frame{inset:0;width:auto;height:auto}.aiw-frame .aiw-panel{border-radius:0}" +
      ".aiw-launcher[aria-expanded=true]{display:none}}");
    var launcher = document.createElement("button");
    launcher.className = "aiw-launcher";
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.appendChild(document.createTextNode(title));
    var badge = document.createElement("span");
    badge.className = "aiw-badge";
    badge.hidden = true;
    badge.setAttribute("aria-label", lang === "ru" ? "непрочитанные" : "unread");
    launcher.appendChild(badge);
    var panel = document.createElement("div");
    panel.className = "aiw-frame";
    panel.hidden = true;
    root.appendChild(panel);
    root.appendChild(launcher);

    var loading = null;
    function load() {
      if (!loading) {
        loading = import(assets + "chat.js?v=" + version)
          .then(function (chat) {
            return chat.default({ module_or_path: assets + "chat_bg.wasm?v=" + version }).then(function () {
              adopt(root, chat.stylesheet());
              chat.mount(panel, badge, server, title, lang, JSON.stringify(config), data.greeting || "");
            });
          })
          .catch(function (error) {
            loading = null;
            console.error("aiwidget: the chat could not load:", error);
          });
      }
      return loading;
    }
    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      badge.hidden = true;
      badge.textContent = "";
      load().then(function () {
        // The privacy notice's button while it shows, else the message box.
        var input = panel.querySelector(".aiw-consent:not([hidden]) button,.aiw-input");
        if (input) input.focus();
      });
    }
    function close() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }
    launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
    panel.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-aiw-close]")) close();
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") return close();
      if (event.key !== "Tab") return;
      // Focus stays inside the open panel.
      var items = panel.querySelectorAll("button,input,a[href]");
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1], active = root.activeElement;
      if (event.shiftKey && active === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && active === last) { first.focus(); event.preventDefault(); }
    });
    document.body.appendChild(host);

    var stored = null;
    try { stored = window.localStorage.getItem(tokenKey); } catch (e) { /* storage blocked */ }
    if (stored) (window.requestIdleCallback || setTimeout)(load);
  }
})();

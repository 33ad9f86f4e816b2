/* aiwidget loader: pasted into host pages as
 *   <script src="https://…/widget/widget.js" data-project-id="…" data-title="…" data-position="right"></script>
 * Small on purpose: it draws the launcher in a shadow root and loads the wasm
 * chat (chat.js + chat_bg.wasm from the same folder) on first open. */
(function () {
  "use strict";
  if (window.__aiwidgetLoaded) return; // inserted twice, runs once
  window.__aiwidgetLoaded = true;

  var script = document.currentScript;
  if (!script) return;
  var data = script.dataset;
  var base = script.src.replace(/[^/]*$/, "");
  var version = "0.1.0";
  var title = data.title || "Chat";
  var left = data.position === "left";

  function draw() {
    var host = document.createElement("div");
    host.setAttribute("data-aiwidget", "");
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent =
      ":host{all:initial}" +
      ".aiw-launcher{position:fixed;bottom:20px;" + (left ? "left" : "right") + ":20px;z-index:2147483000;" +
      "border:0;border-radius:28px;padding:14px 20px;background:#2563eb;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer}" +
      ".aiw-panel{position:fixed;bottom:84px;" + (left ? "left" : "right") + ":20px;z-index:2147483000;width:360px;max-height:70vh;" +
      "display:flex;flex-direction:column;background:#fff;color:#111;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.2);font:14px system-ui,sans-serif}";
    root.appendChild(style);
    var launcher = document.createElement("button");
    launcher.className = "aiw-launcher";
    launcher.type = "button";
    launcher.textContent = title;
    root.appendChild(launcher);
    var panel = document.createElement("div");
    root.appendChild(panel);
    var started = false;
    launcher.addEventListener("click", function () {
      if (started) {
        panel.hidden = !panel.hidden;
        return;
      }
      started = true;
      import(base + "chat.js?v=" + version)
        .then(function (chat) {
          return chat.default({ module_or_path: base + "chat_bg.wasm?v=" + version }).then(function () {
            chat.mount(panel, title);
          });
        })
        .catch(function (error) {
          started = false;
          console.error("aiwidget: the chat could not load:", error);
        });
    });
    document.body.appendChild(host);
  }

  if (document.body) draw();
  else document.addEventListener("DOMContentLoaded", draw);
})();

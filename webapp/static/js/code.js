/* Code to copy: tabs and Copy buttons over the snippets of a /q/<name> page's Code panel, and in the
   workbench a "Code" button that shows the current query as code (from /api/snippets).
   Snippets are set as text (textContent), never as markup: a query may hold anything. */
(function () {
  "use strict";

  var script = document.currentScript;
  var root = script ? script.src.replace(/\/static\/js\/code\.js(\?.*)?$/, "") : "";
  var REMEMBER = "lemap.code.language";

  function remembered() {
    try { return window.localStorage.getItem(REMEMBER); } catch (e) { return null; }
  }
  function remember(id) {
    try { window.localStorage.setItem(REMEMBER, id); } catch (e) { /* private mode: nothing kept */ }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // Plain http pages have no Clipboard API: copy from a selected, off-screen text area instead.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "code-copy-buffer";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand && document.execCommand("copy");
      document.body.removeChild(area);
      if (done) resolve(); else reject(new Error("the browser refused to copy"));
    });
  }

  function copyButton(panel, status) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button--quiet code-snippet__copy";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      var code = panel.querySelector("pre code");
      copyText(code.textContent).then(function () {
        status.textContent = "Copied the " + panel.getAttribute("aria-label") + " code.";
      }, function (error) {
        status.textContent = "Could not copy (" + error.message + "): select the code and copy it by hand.";
      });
    });
    return button;
  }

  function select(tabs, panels, index) {
    tabs.forEach(function (tab, i) {
      var on = i === index;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
  }

  // Turns a [data-code-snippets] block of <section class="code-snippet"> into tabs with Copy buttons.
  function enhance(container) {
    if (container.getAttribute("data-enhanced")) return;
    container.setAttribute("data-enhanced", "true");
    var panels = Array.prototype.slice.call(container.querySelectorAll(".code-snippet"));
    var list = document.createElement("div");
    list.className = "code-tabs";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", "Language");
    var status = document.createElement("p");
    status.className = "code-status muted";
    status.setAttribute("aria-live", "polite");
    var tabs = panels.map(function (panel, i) {
      var id = panel.getAttribute("data-snippet");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "code-tab";
      tab.id = "code-tab-" + id;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", "code-panel-" + id);
      tab.setAttribute("data-snippet", id);
      tab.textContent = panel.getAttribute("aria-label");
      tab.addEventListener("click", function () { select(tabs, panels, i); remember(id); });
      tab.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        var next = (i + step + tabs.length) % tabs.length;
        select(tabs, panels, next);
        tabs[next].focus();
      });
      panel.id = "code-panel-" + id;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      var title = panel.querySelector(".code-snippet__title");
      if (title) title.hidden = true;
      panel.insertBefore(copyButton(panel, status), panel.firstChild);
      list.appendChild(tab);
      return tab;
    });
    container.insertBefore(list, container.firstChild);
    container.appendChild(status);
    var ids = panels.map(function (p) { return p.getAttribute("data-snippet"); });
    select(tabs, panels, Math.max(0, ids.indexOf(remembered())));
  }

  // The same markup as the /q/<name> partial, built from /api/snippets JSON.
  function render(answer) {
    var container = document.createElement("div");
    container.className = "code-snippets";
    container.setAttribute("data-code-snippets", "");
    answer.snippets.forEach(function (snippet) {
      var section = document.createElement("section");
      section.className = "code-snippet";
      section.setAttribute("data-snippet", snippet.id);
      section.setAttribute("aria-label", snippet.label);
      var title = document.createElement("h3");
      title.className = "code-snippet__title";
      title.textContent = snippet.label;
      var pre = document.createElement("pre");
      var code = document.createElement("code");
      code.className = "language-" + snippet.language;
      code.textContent = snippet.code;
      pre.appendChild(code);
      section.appendChild(title);
      section.appendChild(pre);
      container.appendChild(section);
    });
    return container;
  }

  function currentQuery() {
    var bench = window.lemapWorkbench;
    var tab = bench && bench.yasgui && bench.yasgui.getTab();
    var yasqe = tab && tab.getYasqe();
    return yasqe ? yasqe.getValue() : "";
  }

  function codeDialog() {
    var dialog = document.createElement("dialog");
    dialog.className = "code-dialog";
    dialog.id = "code-dialog";
    dialog.setAttribute("aria-labelledby", "code-dialog-title");
    var head = document.createElement("div");
    head.className = "code-dialog__head";
    var title = document.createElement("h2");
    title.id = "code-dialog-title";
    title.textContent = "Code for this query";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button--quiet code-dialog__close";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    head.appendChild(title);
    head.appendChild(close);
    var intro = document.createElement("p");
    intro.className = "muted code-dialog__intro";
    var body = document.createElement("div");
    body.className = "code-dialog__body";
    dialog.appendChild(head);
    dialog.appendChild(intro);
    dialog.appendChild(body);
    document.body.appendChild(dialog);
    return dialog;
  }

  function showCode(dialog) {
    var intro = dialog.querySelector(".code-dialog__intro");
    var body = dialog.querySelector(".code-dialog__body");
    body.textContent = "";
    intro.textContent = "Preparing the code…";
    if (!dialog.open) dialog.showModal();
    fetch(root + "/api/snippets", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ query: currentQuery() })
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) throw new Error(answer.message || "HTTP " + response.status);
        return answer;
      });
    }).then(function (answer) {
      intro.textContent = "The query in the editor as ready-to-run code against " + answer.endpoint + ".";
      var block = render(answer);
      body.appendChild(block);
      enhance(block);
    }).catch(function (error) {
      intro.textContent = "No code: " + error.message;
    });
  }

  function addCodeButton() {
    var group = document.querySelector(".workbench__downloads");
    if (!group || !window.lemapWorkbench) return;
    var dialog = codeDialog();
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button--quiet";
    button.id = "show-code";
    button.textContent = "Code";
    button.title = "The query as curl, Python, R or JavaScript";
    button.addEventListener("click", function () { showCode(dialog); });
    group.appendChild(button);
  }

  function ensureStyles() {
    if (document.querySelector('link[href$="css/code.css"]')) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = root + "/static/css/code.css";
    document.head.appendChild(link);
  }

  function start() {
    ensureStyles();
    Array.prototype.forEach.call(document.querySelectorAll("[data-code-snippets]"), enhance);
    addCodeButton();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

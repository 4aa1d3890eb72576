// The search box in the page header: suggestions as you type, from /search/suggest (JSON).
// Built with createElement/textContent only: names come from partners' data and may hold markup.
(function () {
  "use strict";

  var DELAY_MS = 120;

  function setUp(input) {
    var form = input.form;
    var list = document.createElement("ul");
    var timer = null;
    var pending = null;
    var active = -1;

    list.id = input.id + "-suggestions";
    list.className = "search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var all = options();
      if (!all.length) { return; }
      active = (i + all.length) % all.length;
      all.forEach(function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function option(id, href, title, detail) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      li.id = id;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      a.href = href;
      a.tabIndex = -1;
      var strong = document.createElement("span");
      strong.className = "search-suggestions__label";
      strong.textContent = title;
      a.appendChild(strong);
      if (detail) {
        var small = document.createElement("span");
        small.className = "search-suggestions__detail";
        small.textContent = detail;
        a.appendChild(small);
      }
      li.appendChild(a);
      return li;
    }

    function show(query, suggestions) {
      list.replaceChildren();
      suggestions.forEach(function (s, i) {
        if (!s.url) { return; }
        var detail = s.description || s.kind;
        if (s.matched && s.matched !== s.label) { detail = "“" + s.matched + "” · " + detail; }
        list.appendChild(option(list.id + "-" + i, s.url, s.label, detail));
      });
      var all = form.action + "?q=" + encodeURIComponent(query);
      list.appendChild(option(list.id + "-all", all, "Search everything for “" + query + "”", "names and the report’s sentences"));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var query = input.value.trim();
      if (pending) { pending.abort(); }
      if (!query) { close(); return; }
      pending = new AbortController();
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" }, signal: pending.signal
      })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === query) { show(query, data.suggestions || []); } })
        .catch(function (e) { if (e.name !== "AbortError") { close(); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) { ask(); } else { highlight(active + 1); } }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        window.location.assign(options()[active].querySelector("a").href);
      }
    });
    form.addEventListener("focusout", function (e) {
      if (!form.contains(e.relatedTarget)) { setTimeout(close, 150); }
    });
  }

  function start() {
    document.querySelectorAll("input[data-suggest]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

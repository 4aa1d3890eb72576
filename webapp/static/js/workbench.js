/* lemap's SPARQL workbench: YASGUI wired to this app only.
 *
 * No outside host. YASGUI 4.6 reaches the network in four places (tests/test_workbench.py keeps
 * the list): (1) the query, sent to the tab's endpoint, which is pinned here to this app's /sparql
 * (the endpoint chooser is hidden, and share links may carry only the query, never an endpoint);
 * (2) prefix.cc, asked by the prefix completer only when prefixCcApi is set: it stays null, so the
 * list bundled in YASGUI is used, with lemap's prefixes first; (3) LOV (lov.linkeddata.es), asked by
 * the class and property completers: they are dropped from Yasqe.defaults.autocompleters and
 * replaced by completers reading this app's /api/vocabulary-terms; (4) a CORS probe of the
 * endpoint, made only with a corsProxy, which is not set. Its default endpoints (DBpedia,
 * Wikidata) are replaced; its CSS loads no fonts or images; no built-in plugin loads scripts.
 *
 * The query lives in the URL fragment (#query=…), so a link reproduces it. Data from the graph or
 * the server is only ever written with textContent, never as HTML.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("workbench-config").textContent);
  var prefixes = {};  // prefix -> namespace; config.prefixes is a list of pairs to keep its order
  config.prefixes.forEach(function (pair) { prefixes[pair[0]] = pair[1]; });
  // YASR shortens an IRI with the first namespace that fits: longest first gives country:AFG, not lmid:country/AFG.
  var tablePrefixes = {};
  config.prefixes.slice().sort(function (a, b) { return b[1].length - a[1].length; })
    .forEach(function (pair) { tablePrefixes[pair[0]] = pair[1]; });
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var Yasqe = window.Yasgui.Yasqe;
  var Yasr = window.Yasgui.Yasr;

  /* ------------------------------------------------------------ starting query */

  function prefixBlock() {
    return config.prefixes.map(function (pair) {
      return "PREFIX " + pair[0] + ": <" + pair[1] + ">";
    }).join("\n");
  }

  var starter = prefixBlock() + "\n\nSELECT ?class (COUNT(?s) AS ?instances)\nWHERE {\n  ?s a ?class .\n}\nGROUP BY ?class\nORDER BY DESC(?instances)\n";

  /* ------------------------------------------------------------ prefixes a pasted query leaves out */

  // Prefixed names the query uses (outside strings, IRIs and comments) whose prefix it never declares.
  function undeclaredPrefixes(text, declared) {
    var bare = text.replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>\s]*>|#[^\n]*/g, " ");
    var used = {};
    var name = /(?:^|[\s(){}\[\],;.\/|^!*+?=<>])([A-Za-z][\w\-.]*)?:(?=[\w\-%\\]|[\s.;,)\]}]|$)/g;
    var m;
    while ((m = name.exec(bare)) !== null) {
      var p = m[1] || "";
      if (!Object.prototype.hasOwnProperty.call(declared, p)) used[p] = true;
    }
    return Object.keys(used);
  }

  // A query pasted from elsewhere (or typed) without PREFIX lines: declare lemap's prefixes it uses.
  function declareKnownPrefixes(yasqe) {
    var missing = undeclaredPrefixes(yasqe.getValue(), yasqe.getPrefixesFromQuery())
      .filter(function (p) { return Object.prototype.hasOwnProperty.call(prefixes, p); });
    if (!missing.length) return [];
    var add = {};
    missing.forEach(function (p) { add[p] = prefixes[p]; });
    yasqe.addPrefixes(add);
    return missing;
  }

  /* ------------------------------------------------------------ completers */

  // Setting the list in the Yasgui config would not work: lodash merges the lists index by index.
  Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  Yasqe.defaults.prefixCcApi = null;
  Yasqe.defaults.value = starter;
  Yasqe.defaults.collapsePrefixesOnLoad = true;  // forty PREFIX lines fold into one

  var bundledPrefixes = Yasqe.Autocompleters.prefixes;
  Yasqe.registerAutocompleter(Object.assign({}, bundledPrefixes, {
    persistenceId: null,
    get: function (yasqe) {
      var ours = Object.keys(prefixes);
      return bundledPrefixes.get(yasqe).then(function (bundled) {
        var rest = bundled.filter(function (line) {
          return ours.indexOf(line.slice(0, line.indexOf(":"))) < 0;
        });
        return ours.map(function (p) { return p + ": <" + prefixes[p] + ">"; }).concat(rest);
      });
    }
  }), true);

  var termsPromise = null;
  function vocabularyTerms() {
    if (!termsPromise) {
      termsPromise = fetch(config.termsUrl, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { terms: [] }; })
        .then(function (data) { return data.terms || []; })
        .catch(function () { return []; });
    }
    return termsPromise;
  }

  var labels = {};  // suggestion text -> label, for the hint list

  function localName(iri) {
    return iri.replace(/^.*[#/]/, "");
  }

  function matchTerms(kind, token) {
    var wanted = (token.autocompletionString || "").toLowerCase();
    return vocabularyTerms().then(function (terms) {
      return terms.filter(function (t) {
        if (t.kind !== kind) return false;
        var iri = t.term.toLowerCase();
        return iri.indexOf(wanted) === 0 || (wanted.indexOf(":") < 0 && localName(iri).indexOf(wanted) === 0);
      }).slice(0, 100).map(function (t) {
        labels[t.term] = t.label || "";
        return t.term;
      });
    });
  }

  function compactIri(yasqe, iri) {
    var declared = yasqe.getPrefixesFromQuery();
    var best = null;
    Object.keys(declared).forEach(function (p) {
      var ns = declared[p];
      if (iri.indexOf(ns) === 0 && /^[\w.\-]*$/.test(iri.slice(ns.length)) && (!best || ns.length > declared[best].length)) best = p;
    });
    return best === null ? "<" + iri + ">" : best + ":" + iri.slice(declared[best].length);
  }

  function termCompleter(base, name, kind) {
    Yasqe.forkAutocompleter(base, {
      name: name,
      bulk: false,
      autoShow: true,
      persistenceId: null,
      get: function (yasqe, token) { return matchTerms(kind, token); },
      postProcessSuggestion: function (yasqe, token, iri) {
        var text = compactIri(yasqe, iri);
        labels[text] = labels[iri];
        return text;
      },
      postprocessHints: function (yasqe, hints) {
        return hints.map(function (h) {
          if (labels[h.text]) h.displayText = h.text + "  — " + labels[h.text];
          return h;
        });
      }
    }, true);
  }
  termCompleter("class", "lemapClasses", "class");
  termCompleter("property", "lemapProperties", "property");

  /* ------------------------------------------------------------ errors */

  // What each limit means for the reader, before the server's own words.
  var LIMITS = {
    413: "The query is too large for this endpoint",
    429: "Too many of your queries are running at once; wait for them to finish, then run this one again",
    503: "The server could not answer this query now"
  };

  // The endpoint answers errors as JSON ({status, error, message, line, column}); show its message
  // with where it points, never its markup.
  function serverMessage(text, status) {
    if (!text) return status ? "HTTP " + status + ": the endpoint gave no reason." : "The endpoint did not answer.";
    try {
      var data = JSON.parse(text);
      if (data && typeof data === "object" && (data.message || data.error)) {
        var where = data.line ? " (line " + data.line + (data.column ? ", column " + data.column : "") + ")" : "";
        var code = data.status || status;
        var head = code ? "HTTP " + code + (data.error ? " " + data.error : "") + ": " : "";
        var limit = LIMITS[code] ? LIMITS[code] + ". " : "";
        var retry = data.retry_after || data.retryAfter;
        var later = retry ? " Try again in " + retry + " s." : "";
        return limit + head + String(data.message || data.error) + where + later;
      }
    } catch (e) { /* not JSON */ }
    if (/^\s*</.test(text)) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      return (doc.body && doc.body.textContent || text).trim();
    }
    return text;
  }

  function errorElement(message) {
    var box = document.createElement("div");
    box.className = "lemap-error";
    var title = document.createElement("strong");
    title.textContent = "The query failed. It is still in the editor.";
    var pre = document.createElement("pre");
    pre.textContent = message;
    box.appendChild(title);
    box.appendChild(pre);
    return box;
  }

  var status = document.getElementById("workbench-status");
  function showStatus(message, kind) {
    status.textContent = "";
    status.className = kind === "notice" ? "notice" : "notice notice--error";
    status.setAttribute("role", kind === "notice" ? "status" : "alert");
    if (message && kind === "notice") status.textContent = message;
    else if (message) status.appendChild(errorElement(message));
    status.hidden = !message;
  }


  /* ------------------------------------------------------------ result cells */

  // Only these schemes become links; any other IRI (javascript:, data:, urn: …) is shown as text.
  var SAFE_SCHEMES = ["http:", "https:", "mailto:"];

  /** Where a link to ``iri`` goes: the app's own page for an IRI under lemap's base, the IRI when
   * its scheme is safe, else null (shown as text). */
  function hrefFor(iri) {
    if (config.baseIri && iri.indexOf(config.baseIri) === 0) return config.appRoot + "/" + iri.slice(config.baseIri.length);
    var scheme = (/^([A-Za-z][A-Za-z0-9+.\-]*:)/.exec(iri) || [])[1];
    return scheme && SAFE_SCHEMES.indexOf(scheme.toLowerCase()) >= 0 ? iri : null;
  }

  function shortIri(iri) {
    var best = null;
    Object.keys(tablePrefixes).forEach(function (p) {
      var ns = tablePrefixes[p];
      if (iri.indexOf(ns) === 0 && (!best || ns.length > tablePrefixes[best].length)) best = p;
    });
    return best === null ? iri : best + ":" + iri.slice(tablePrefixes[best].length);
  }

  // DataTables takes each cell as an HTML string: every value and attribute is escaped here.
  function escapeText(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function tag(name, attrs, text) {
    var parts = Object.keys(attrs).filter(function (k) { return attrs[k] !== null && attrs[k] !== undefined; })
      .map(function (k) { return " " + k + '="' + escapeText(attrs[k]) + '"'; });
    return "<" + name + parts.join("") + ">" + escapeText(text) + "</" + name + ">";
  }

  /** One result cell for DataTables: the plain value, with its datatype or language (or the full
   * IRI) on hover; an IRI is a link only to the app's own page or through a safe scheme. */
  function cellHtml(binding) {
    if (binding.type === "uri") {
      var href = hrefFor(binding.value);
      var attrs = { "class": href ? "iri" : "iri iri--text", href: href, title: binding.value };
      return "<div>" + tag(href ? "a" : "span", attrs, shortIri(binding.value)) + "</div>";
    }
    if (binding.type === "bnode") {
      return "<div>" + tag("span", { "class": "nonIri bnode", title: "blank node" }, "_:" + binding.value) + "</div>";
    }
    var lang = binding["xml:lang"];
    var datatype = binding.datatype || (lang ? null : "http://www.w3.org/2001/XMLSchema#string");
    return "<div>" + tag("span", {
      "class": "nonIri",
      lang: lang || null,
      title: lang ? "language: " + lang : "datatype: " + shortIri(datatype),
      "data-datatype": lang ? "rdf:langString" : shortIri(datatype)
    }, binding.value) + "</div>";
  }

  Yasr.plugins.table.prototype.getCellContent = function (binding) { return cellHtml(binding); };
  if (window.lemapChart) Yasr.registerPlugin("chart", window.lemapChart.ChartPlugin);

  /* ------------------------------------------------------------ truncation, progress, cancel */

  function limitWords(limit) {
    return Number(limit).toLocaleString("en");
  }

  // The engine stops at LEMAP_MAX_ROWS rows and says so in a header and in the JSON's "lemap" member.
  function truncatedLimit(response) {
    var header = response && response.headers && response.headers.get && response.headers.get("X-Lemap-Truncated");
    if (header) return Number(header);
    try {
      var doc = JSON.parse(response && response.content || "null");
      if (doc && doc.lemap && doc.lemap.truncated) return Number(doc.lemap.limit);
    } catch (e) { /* not JSON: nothing more to read */ }
    return null;
  }

  function truncationText(limit) {
    return "Only the first " + limitWords(limit) + " rows are shown: the query has more, and this endpoint returns at most " +
      limitWords(limit) + " rows per query. Narrow the query, or page through it with LIMIT and OFFSET.";
  }

  function showTruncation(tab, limit) {
    var yasr = tab.getYasr();
    if (!yasr || !yasr.resultsEl) return;
    var note = yasr.rootEl.querySelector(".lemap-truncated");
    if (!note) {
      note = document.createElement("p");
      note.className = "notice lemap-truncated";
      note.setAttribute("role", "status");
      yasr.resultsEl.parentNode.insertBefore(note, yasr.resultsEl);
    }
    note.textContent = limit ? truncationText(limit) : "";
    note.hidden = !limit;
  }

  var progress = document.getElementById("workbench-progress");
  var elapsed = document.getElementById("workbench-elapsed");
  var ticker = null;

  function startProgress() {
    var started = Date.now();
    clearInterval(ticker);
    progress.hidden = false;
    elapsed.textContent = "Running the query…";
    ticker = setInterval(function () {
      elapsed.textContent = "Running the query… " + Math.floor((Date.now() - started) / 1000) + " s";
    }, 500);
  }

  function stopProgress() {
    clearInterval(ticker);
    progress.hidden = true;
  }

  document.getElementById("workbench-cancel").addEventListener("click", function () {
    var yasqe = activeTab() && activeTab().getYasqe();
    if (yasqe) yasqe.abortQuery();
  });

  var wired = typeof WeakSet === "function" ? new WeakSet() : null;
  function wire(tab) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe || (wired && wired.has(yasqe))) return;
    if (wired) wired.add(yasqe);
    yasqe.on("query", startProgress);
    yasqe.on("queryResponse", function (y, response) {
      stopProgress();
      showTruncation(tab, response instanceof Error ? null : truncatedLimit(response));
    });
    yasqe.on("queryAbort", function () {
      stopProgress();
      showStatus("The query was cancelled. It is still in the editor.", "notice");
    });
    yasqe.on("change", function (y, change) {
      if (change && change.origin === "paste") window.setTimeout(function () { declareKnownPrefixes(yasqe); }, 0);
    });
  }

  /* ------------------------------------------------------------ YASGUI */

  var endpointInfo = function () {
    var info = document.createElement("span");
    info.className = "lemap-endpoint";
    info.textContent = "Endpoint: " + endpoint;
    return info;
  };

  // Each tab's YASR takes its error renderers from Yasr.defaults, not from the Yasgui config.
  Yasr.defaults.errorRenderers = [function (error) { return errorElement(serverMessage(error && error.text, error && error.status)); }];

  var yasgui = new window.Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    endpointInfo: endpointInfo,
    copyEndpointOnNewTab: true,
    populateFromUrl: false,  // handled below: only the query is taken from a link, never an endpoint
    persistenceId: null,     // the URL is the saved state
    autofocus: false,
    yasr: {
      prefixes: tablePrefixes  // result tables show lemap IRIs as act:…, country:…
    }
  });

  function activeTab() { return yasgui.getTab(); }

  /* ------------------------------------------------------------ the query in the URL */

  function hashQuery() {
    return new URLSearchParams(window.location.hash.slice(1)).get("query");
  }

  function keepInUrl(text) {
    var params = new URLSearchParams(window.location.hash.slice(1));
    if (params.get("query") === text) return;
    params.set("query", text);
    history.replaceState(null, "", "#" + params.toString());
  }

  var watched = typeof WeakSet === "function" ? new WeakSet() : null;
  var timer = null;
  function watch(tab) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe || (watched && watched.has(yasqe))) return;
    if (watched) watched.add(yasqe);
    yasqe.on("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { keepInUrl(yasqe.getValue()); }, 250);
    });
  }

  function pinEndpoint(tab) {
    if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  }

  yasgui.on("tabSelect", function () {
    window.setTimeout(function () {
      var tab = activeTab();
      pinEndpoint(tab);
      watch(tab);
      wire(tab);
      if (tab && tab.getYasqe()) keepInUrl(tab.getQuery());
    }, 0);
  });
  yasgui.on("tabAdd", function (y, id) { pinEndpoint(yasgui.getTab(id)); });
  yasgui.on("queryBefore", function (y, tab) {
    pinEndpoint(tab);
    showStatus("");
    var added = declareKnownPrefixes(tab.getYasqe());
    if (added.length) {
      showStatus("Declared " + added.map(function (p) { return p + ":"; }).join(", ") +
        " for you: the query used lemap's prefixes without PREFIX lines.", "notice");
    }
    keepInUrl(tab.getQuery());
  });

  function loadFromUrl() {
    var text = hashQuery();
    var tab = activeTab();
    if (text && tab && tab.getQuery() !== text) tab.setQuery(text);
  }

  var first = activeTab();
  pinEndpoint(first);
  loadFromUrl();
  watch(first);
  wire(first);
  // /sparql?query=… opened in a browser: the query arrives in the page's config, and runs at once.
  if (config.run && first) {
    first.setQuery(config.run);
    keepInUrl(config.run);
    first.query().catch(function () { /* shown by YASR's error view */ });
  }
  window.addEventListener("hashchange", loadFromUrl);

  /* ------------------------------------------------------------ examples */

  var examples = {};
  config.examples.forEach(function (q) { examples[q.name] = q; });
  var picker = document.getElementById("examples");
  var info = document.getElementById("example-info");

  function describe(q) {
    info.hidden = !q;
    if (!q) return;
    document.getElementById("example-description").textContent = q.description || q.summary;
    var params = document.getElementById("example-params");
    params.hidden = !q.params.length;
    params.textContent = q.params.length
      ? "Parameters " + q.params.map(function (p) { return "?" + p; }).join(", ") +
        " are left unbound here; bind them with VALUES, or fill them in on the query's page."
      : "";
    document.getElementById("example-page").href = q.page;
  }

  picker.addEventListener("change", function () {
    var q = examples[picker.value];
    describe(q);
    if (!q) return;
    var tab = activeTab();
    tab.setQuery(q.text);
    tab.setName(q.name);
    keepInUrl(q.text);
    showStatus("");
  });

  /* ------------------------------------------------------------ downloads */

  var ACCEPT = {
    csv: { select: "text/csv", graph: "text/turtle", ext: { select: "csv", graph: "ttl" } },
    json: { select: "application/sparql-results+json", graph: "application/ld+json", ext: { select: "json", graph: "jsonld" } }
  };

  function queryKind(tab) {
    var type = tab.getYasqe() ? tab.getYasqe().getQueryType() : "SELECT";
    return type === "CONSTRUCT" || type === "DESCRIBE" ? "graph" : "select";
  }

  // A truncated CSV or Turtle download ends with a line saying so (JSON carries its "lemap" member).
  function marked(blob, limit, format, kind) {
    showStatus(truncationText(limit) + " The download holds those rows, and says so in its last line.", "notice");
    if (format === "json") return blob;
    var line = "# lemap: truncated: only the first " + limit + " " + (kind === "graph" ? "triples" : "rows") +
      " of the results are here; the endpoint returns at most " + limit + " per query\n";
    return new Blob([blob, line], { type: blob.type });
  }

  function download(format) {
    var tab = activeTab();
    var kind = queryKind(tab);
    declareKnownPrefixes(tab.getYasqe());
    var body = new URLSearchParams();
    body.set("query", tab.getQuery());
    showStatus("");
    return fetch(endpoint, {
      method: "POST",
      headers: { Accept: ACCEPT[format][kind], "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (text) { throw new Error(serverMessage(text, response.status)); });
      }
      return response;
    }).then(function (response) {
      var limit = response.headers.get("X-Lemap-Truncated");
      return response.blob().then(function (blob) { return limit ? marked(blob, limit, format, kind) : blob; });
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = (tab.getName() || "query").replace(/[^\w.-]+/g, "-") + "." + ACCEPT[format].ext[kind];
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    }).catch(function (error) {
      showStatus(error.message);
    });
  }

  document.getElementById("download-csv").addEventListener("click", function () { download("csv"); });
  document.getElementById("download-json").addEventListener("click", function () { download("json"); });

  // For tests and the console: the running instance.
  window.lemapWorkbench = { yasgui: yasgui, config: config, Yasr: Yasr };
})();

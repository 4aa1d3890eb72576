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

  // The endpoint answers errors as JSON ({status, error, message, line, column}); show its message
  // with where it points, never its markup.
  function serverMessage(text) {
    if (!text) return "The endpoint did not answer.";
    try {
      var data = JSON.parse(text);
      if (data && typeof data === "object" && (data.message || data.error)) {
        var where = data.line ? " (line " + data.line + (data.column ? ", column " + data.column : "") + ")" : "";
        var status = data.status ? "HTTP " + data.status + (data.error ? " " + data.error : "") + ": " : "";
        return status + String(data.message || data.error) + where;
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
  function showStatus(message) {
    status.textContent = "";
    if (message) status.appendChild(errorElement(message));
    status.hidden = !message;
  }

  /* ------------------------------------------------------------ YASGUI */

  var endpointInfo = function () {
    var info = document.createElement("span");
    info.className = "lemap-endpoint";
    info.textContent = "Endpoint: " + endpoint;
    return info;
  };

  // Each tab's YASR takes its error renderers from Yasr.defaults, not from the Yasgui config.
  Yasr.defaults.errorRenderers = [function (error) { return errorElement(serverMessage(error && error.text)); }];

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
      if (tab && tab.getYasqe()) keepInUrl(tab.getQuery());
    }, 0);
  });
  yasgui.on("tabAdd", function (y, id) { pinEndpoint(yasgui.getTab(id)); });
  yasgui.on("queryBefore", function (y, tab) { pinEndpoint(tab); showStatus(""); keepInUrl(tab.getQuery()); });

  function loadFromUrl() {
    var text = hashQuery();
    var tab = activeTab();
    if (text && tab && tab.getQuery() !== text) tab.setQuery(text);
  }

  var first = activeTab();
  pinEndpoint(first);
  loadFromUrl();
  watch(first);
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

  function download(format) {
    var tab = activeTab();
    var kind = queryKind(tab);
    var body = new URLSearchParams();
    body.set("query", tab.getQuery());
    showStatus("");
    return fetch(endpoint, {
      method: "POST",
      headers: { Accept: ACCEPT[format][kind], "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (text) { throw new Error(serverMessage(text)); });
      }
      return response.blob();
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

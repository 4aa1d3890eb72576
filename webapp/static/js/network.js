/* lemap partnership network: draws /api/network.json with Cytoscape.js, a side panel for a node or a link,
   a search box and the sortable metrics table. Every piece of data reaches the page through textContent
   or attributes set by DOM calls, never as HTML. window.lemapNetwork exposes the graph, and how long
   fetching (fetchMs), building (buildMs) and the layout (layoutMs) took, for tests and benchmarks. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("network-config").textContent);
  var container = document.getElementById("network-canvas");
  var panel = document.getElementById("network-panel");
  var statusLine = document.getElementById("network-status");
  var legend = document.getElementById("network-legend");
  var table = document.getElementById("network-metrics");
  // Above this many nodes the force-directed layout (cose) is too slow to feel responsive; the
  // sunflower layout (most central in the middle) is linear in the number of nodes.
  var FORCE_LAYOUT_MAX = 300;
  var MAX_LISTED = 200;
  var LABELLED_MAX = 60;
  var EDGES_DRAWN_MAX = 6000;
  var SPIRAL_SPACING = 14;
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#393b79", "#ad494a", "#637939", "#7b4173", "#3182bd", "#e6550d", "#31a354",
                 "#756bb1", "#636363"];
  var OTHER = "#9aa4b5";
  var PARTNER = "#c98a12";  // the colour of partners' statements, as .partner-badge

  // The JSON of every node and edge, by element id: Cytoscape's own data holds only what styles read.
  var state = { cy: null, data: null, raw: {}, activities: {}, size: config.size, colour: config.colour, layoutMs: null };
  window.lemapNetwork = state;

  // ------------------------------------------------------------------ small DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "className") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function pageOf(iri) {
    return iri && iri.indexOf(config.idBase) === 0 ? config.pageBase + iri.slice(config.idBase.length) : null;
  }

  function raw(ele) { return state.raw[ele.id()]; }

  function slug(iri) { return (iri || "").replace(/^.*[\/#]/, ""); }

  function fmt(x) { return typeof x === "number" && !Number.isInteger(x) ? x.toFixed(4) : String(x); }

  function filterQuery(extra) {
    var params = new URLSearchParams(window.location.search);
    var out = new URLSearchParams();
    params.forEach(function (v, k) { if (config.filterArgs.indexOf(k) >= 0 && v !== "") { out.append(k, v); } });
    Object.keys(extra || {}).forEach(function (k) { out.set(k, extra[k]); });
    return out.toString();
  }

  // ------------------------------------------------------------------ colours and sizes

  // Organisation kinds get colours in a fixed order: the scheme's kinds first, then any others the data uses.
  var kindColour = {};
  function assignKindColours(data) {
    var kinds = Object.keys(config.kinds).sort();
    data.nodes.forEach(function (n) { if (n.kind && kinds.indexOf(n.kind) < 0) { kinds.push(n.kind); } });
    kinds.forEach(function (iri, i) { kindColour[iri] = PALETTE[i % PALETTE.length]; });
  }

  function colourOf(node) {
    if (node.type === "country") { return "#5b6b82"; }
    if (node.type === "activity") { return "#c9d3e3"; }
    if (state.colour === "community") { return node.community < PALETTE.length ? PALETTE[node.community] : OTHER; }
    return kindColour[node.kind] || OTHER;
  }

  function sizeOf(node, max) {
    var v = Number(node[state.size]) || 0;
    var share = Math.sqrt(max > 0 ? v / max : 0);
    return state.large ? 5 + 25 * share : 14 + 46 * share;
  }

  // On a large graph only the most central nodes carry a label; the others show theirs when picked.
  function labelled(data) {
    var keep = {};
    var nodes = data.nodes.slice();
    if (state.large) {
      nodes.sort(function (a, b) { return (Number(b[state.size]) || 0) - (Number(a[state.size]) || 0); });
      nodes = nodes.slice(0, LABELLED_MAX);
    }
    nodes.forEach(function (n) { keep[n.id] = true; });
    return keep;
  }

  function shortName(n) {
    var name = n.short || n.label;
    return name.length > 26 ? name.slice(0, 24) + "…" : name;
  }

  function restyle() {
    var cy = state.cy;
    var max = 0;
    state.data.nodes.forEach(function (n) { max = Math.max(max, Number(n[state.size]) || 0); });
    var keep = labelled(state.data);
    state.labels = {};
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        var d = raw(n);
        state.labels[d.id] = keep[d.id] ? shortName(d) : "";
        n.data({ size: sizeOf(d, max), colour: colourOf(d), name: state.labels[d.id] });
      });
    });
    if (container.getAttribute("data-ready") === "true") { declutterSoon(); }
    drawLegend();
  }

  function drawLegend() {
    clear(legend);
    var items = [];
    if (state.colour === "community") {
      var counts = {};
      state.data.nodes.forEach(function (n) { if (n.type === "organisation") { counts[n.community] = (counts[n.community] || 0) + 1; } });
      Object.keys(counts).map(Number).sort(function (a, b) { return a - b; }).slice(0, PALETTE.length).forEach(function (c) {
        items.push([PALETTE[c], "community " + c + " (" + counts[c] + ")"]);
      });
    } else {
      var used = {};
      state.data.nodes.forEach(function (n) { if (n.type === "organisation") { used[n.kind] = true; } });
      Object.keys(used).sort().forEach(function (k) { items.push([kindColour[k] || OTHER, k ? (config.kinds[k] || slug(k)) : "kind not stated"]); });
    }
    items.forEach(function (item) {
      var swatch = el("span", { className: "swatch", "aria-hidden": "true" });
      swatch.style.background = item[0];
      legend.appendChild(el("span", { className: "legend-item" }, [swatch, item[1]]));
    });
    if (state.data.nodes.some(function (n) { return n.partner_graphs && n.partner_graphs.length; })) {
      legend.appendChild(el("span", { className: "legend-item legend-item--partner" },
        [el("span", { className: "swatch swatch--partner", "aria-hidden": "true" }), "partners' statements (dashed: only partners')"]));
    }
  }

  // ------------------------------------------------------------------ the graph

  // Creating edges is what costs most in Cytoscape: past EDGES_DRAWN_MAX links only a backbone is
  // drawn, each node's strongest links (ties: the partner with the higher PageRank). The side panel
  // still lists every partner and every link, from the JSON.
  function drawnEdges(data) {
    var keep = {};
    if (data.edges.length <= EDGES_DRAWN_MAX) { return null; }
    var perNode = Math.max(1, Math.floor(EDGES_DRAWN_MAX / Math.max(1, data.nodes.length)));
    Object.keys(state.adjacent).forEach(function (id) {
      state.adjacent[id].slice().sort(function (i, j) {
        var a = data.edges[i], b = data.edges[j];
        var pa = state.raw[a.source === id ? a.target : a.source].pagerank || 0;
        var pb = state.raw[b.source === id ? b.target : b.source].pagerank || 0;
        return b.weight - a.weight || pb - pa;
      }).slice(0, perNode).forEach(function (i) { keep[i] = true; });
    });
    state.perNode = perNode;
    return keep;
  }

  function elements(data) {
    state.adjacent = {};
    // Every node starts with the data its style maps (size, colour, name): Cytoscape warns about
    // mappings to missing data, once per node and property.
    var max = 0;
    data.nodes.forEach(function (n) { max = Math.max(max, Number(n[state.size]) || 0); });
    var keep = labelled(data);
    var nodes = data.nodes.map(function (n) {
      state.raw[n.id] = n;
      state.adjacent[n.id] = [];
      return { group: "nodes", data: { id: n.id, type: n.type, size: sizeOf(n, max), colour: colourOf(n), name: keep[n.id] ? shortName(n) : "",
                                       provenance: n.provenance || "report" } };
    });
    data.edges.forEach(function (e, i) {
      state.raw["e" + i] = e;
      state.adjacent[e.source].push(i);
      state.adjacent[e.target].push(i);
    });
    var keep = drawnEdges(data);
    var edges = [];
    data.edges.forEach(function (e, i) {
      if (!keep || keep[i]) {
        edges.push({ group: "edges", data: { id: "e" + i, source: e.source, target: e.target, weight: e.weight, provenance: e.provenance || "report" } });
      }
    });
    state.drawnEdges = edges.length;
    return nodes.concat(edges);
  }

  function styles(maxWeight, large) {
    return [
      { selector: "node", style: {
        "width": "data(size)", "height": "data(size)", "background-color": "data(colour)",
        "label": "data(name)", "font-size": large ? 11 : 14, "min-zoomed-font-size": large ? 7 : 5, "text-valign": "bottom", "text-margin-y": 3,
        "color": "#1d2433", "text-outline-color": "#fff", "text-outline-width": 2, "border-width": 1, "border-color": "#fff" } },
      { selector: "node[type = 'country']", style: { "shape": "round-rectangle" } },
      { selector: "node[type = 'activity']", style: { "shape": "diamond", "label": "" } },
      { selector: "edge", style: {
        "width": "mapData(weight, 1, " + Math.max(2, maxWeight) + ", 1, 9)", "line-color": "#b7c0cf", "opacity": 0.75,
        "curve-style": "haystack" } },
      // partners' statements: an amber outline, dashed when nothing of the report's stands behind the node or link
      { selector: "node[provenance = 'report+partner']", style: { "border-width": 3, "border-color": PARTNER } },
      { selector: "node[provenance = 'partner']", style: { "border-width": 3, "border-color": PARTNER, "border-style": "dashed" } },
      { selector: "edge[provenance = 'report+partner']", style: { "line-color": PARTNER, "curve-style": "straight" } },
      { selector: "edge[provenance = 'partner']", style: { "line-color": PARTNER, "line-style": "dashed", "curve-style": "straight" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#f2a900" } },
      { selector: "edge:selected", style: { "line-color": "#f2a900", "opacity": 1 } },
      { selector: ".faded", style: { "opacity": 0.15 } },
      { selector: "node.quiet", style: { "text-opacity": 0 } }
    ];
  }

  function layoutOptions(n) {
    if (n <= FORCE_LAYOUT_MAX) {
      return { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true, numIter: 1500,
               idealEdgeLength: function (e) { return 60 + 40 / e.data("weight"); }, edgeElasticity: function () { return 60; },
               nodeRepulsion: function () { return 500000; }, nodeOverlap: 20, componentSpacing: 60, gravity: 0.6, padding: 20 };
    }
    // A sunflower (Vogel spiral) by rank: the most central node in the middle, each next one a golden
    // angle further round at radius ∝ √rank, so the disc is evenly filled and nothing overlaps; O(n).
    var order = state.data.nodes.slice().sort(function (a, b) { return (Number(b[state.size]) || 0) - (Number(a[state.size]) || 0); });
    var place = {};
    var golden = Math.PI * (3 - Math.sqrt(5));
    order.forEach(function (m, r) {
      var radius = SPIRAL_SPACING * Math.sqrt(r + 0.5);
      place[m.id] = { x: radius * Math.cos(r * golden), y: radius * Math.sin(r * golden) };
    });
    return { name: "preset", animate: false, padding: 20, positions: function (node) { return place[node.id()]; } };
  }

  // Labels keep a readable size on screen whatever the zoom (as in Gephi's preview): their font
  // size in graph units is the wanted pixel size divided by the zoom, within bounds.
  var LABEL_PX = 13;
  function keepLabelsLegible() {
    var cy = state.cy;
    var size = Math.min(60, Math.max(6, LABEL_PX / cy.zoom()));
    if (state.labelSize && Math.abs(state.labelSize - size) / size < 0.05) { return; }
    state.labelSize = size;
    cy.style().selector("node").style({ "font-size": size, "text-outline-width": Math.max(1, size / 6),
                                         "text-margin-y": size / 4 }).update();
    container.setAttribute("data-label-px", (size * cy.zoom()).toFixed(1));
  }

  // Like Gephi's preview: a label that would overlap a more central node's label is not drawn (it
  // shows when zoomed in far enough, or when its node is picked). Labels keep their text and are
  // only made transparent (class "quiet"), so Cytoscape measures every box the same way.
  function declutter() {
    var cy = state.cy;
    var ranked = cy.nodes().sort(function (a, b) { return (Number(raw(b)[state.size]) || 0) - (Number(raw(a)[state.size]) || 0); });
    var kept = [];
    var quiet = [];
    ranked.forEach(function (n) {
      if (!n.data("name")) { return; }
      var box = n.boundingBox({ includeNodes: false, includeLabels: true });
      var clash = kept.some(function (b) { return box.x1 < b.x2 && box.x2 > b.x1 && box.y1 < b.y2 && box.y2 > b.y1; });
      if (clash && !n.selected()) { quiet.push(n); } else { kept.push(box); }
    });
    cy.batch(function () {
      cy.nodes().removeClass("quiet");
      quiet.forEach(function (n) { n.addClass("quiet"); });
    });
    container.setAttribute("data-labels-hidden", String(quiet.length));
  }

  // After a style change Cytoscape measures labels at its next frame: measure them after it, or the
  // boxes (and the label textures sized from them) would still have the old font size.
  var declutterTimer = null;
  function declutterSoon() {
    clearTimeout(declutterTimer);
    container.removeAttribute("data-labels-hidden");
    declutterTimer = setTimeout(function () { state.cy.one("render", declutter); state.cy.forceRender(); }, 60);
  }

  function zoomBy(factor) {
    var cy = state.cy;
    if (!cy) { return; }
    var centre = { x: container.clientWidth / 2, y: container.clientHeight / 2 };
    cy.animate({ zoom: { level: cy.zoom() * factor, renderedPosition: centre } }, { duration: 200 });
  }

  function fitAll() {
    if (state.cy) { state.cy.animate({ fit: { eles: state.cy.elements(), padding: 30 } }, { duration: 250 }); }
  }

  document.getElementById("network-zoom-in").addEventListener("click", function () { zoomBy(1.4); });
  document.getElementById("network-zoom-out").addEventListener("click", function () { zoomBy(1 / 1.4); });
  document.getElementById("network-fit").addEventListener("click", fitAll);

  // Nothing matches the filters: say so where the graph would be, and how to widen them.
  function showEmpty() {
    var empty = document.getElementById("network-empty");
    empty.hidden = false;
    container.hidden = true;
    document.getElementById("network-controls").hidden = true;
    container.setAttribute("data-ready", "empty");
    statusLine.textContent = "No organisation matches these filters.";
    panel.replaceChildren(el("p", { className: "muted", text: "Nothing to pick: widen the filters to see organisations here." }));
  }

  function draw(data) {
    var t0 = performance.now();
    state.data = data;
    if (!data.nodes.length) { showEmpty(); return; }
    var maxWeight = 1;
    data.edges.forEach(function (e) { maxWeight = Math.max(maxWeight, e.weight); });
    var large = data.nodes.length > FORCE_LAYOUT_MAX;
    state.large = large;
    assignKindColours(data);
    var cy = cytoscape({
      container: container, elements: elements(data), style: styles(maxWeight, large), layout: { name: "preset" },
      minZoom: 0.05, maxZoom: 4, pixelRatio: large ? 1 : "auto",
      hideEdgesOnViewport: large, textureOnViewport: large, motionBlur: false, boxSelectionEnabled: false
    });
    state.cy = cy;
    restyle();
    state.buildMs = Math.round(performance.now() - t0);
    var started = performance.now();
    var layout = cy.layout(layoutOptions(data.nodes.length));
    layout.one("layoutstop", function () {
      state.layoutMs = Math.round(performance.now() - started);
      cy.fit(undefined, 30);
      keepLabelsLegible();
      declutterSoon();
      cy.on("zoom", function () { keepLabelsLegible(); declutterSoon(); });
      cy.on("select unselect", "node", declutterSoon);
      container.setAttribute("data-layout-ms", String(state.layoutMs));
      container.setAttribute("data-ready", "true");
      var shown = state.drawnEdges < data.edges.length ?
        " (" + state.drawnEdges + " drawn: each node's " + state.perNode + " strongest)" : "";
      statusLine.textContent = data.graph.nodes + " nodes, " + data.graph.edges + " links" + shown + " · layout " + state.layoutMs + " ms";
    });
    layout.run();
    cy.on("tap", "node", function (evt) { focusNode(evt.target, false); });
    cy.on("tap", "edge", function (evt) { showEdge(Number(evt.target.id().slice(1))); });
    cy.on("tap", function (evt) { if (evt.target === cy) { cy.elements().removeClass("faded"); } });
    fillNames(data);
  }

  function load() {
    statusLine.textContent = "Loading the network…";
    var started = performance.now();
    fetch(config.api + "?" + filterQuery(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.body.error || "the network could not be loaded"); }
        state.activities = res.body.activities || {};
        state.fetchMs = Math.round(performance.now() - started);
        draw(res.body);
      })
      .catch(function (err) {
        statusLine.textContent = "";
        container.setAttribute("data-ready", "error");
        panel.replaceChildren(el("p", { className: "notice notice--error", role: "alert", text: String(err.message || err) }));
      });
  }

  // ------------------------------------------------------------------ the side panel

  // Partners' datasets behind a node, a link or an activity, each linking to its graph's description.
  function datasetLinks(graphs) {
    var out = [];
    graphs.forEach(function (g, i) {
      var name = g.split("/graph/partner/").pop();
      if (i) { out.push(", "); }
      out.push(el("a", { href: config.graphBase + name.split("/").map(encodeURIComponent).join("/"), className: "partner-dataset", text: name }));
    });
    return out;
  }

  function partnerNote(d, what) {
    var only = d.provenance === "partner";
    return el("p", { className: "partner-note" }, [el("span", { className: "partner-badge", text: "partner" }), " ",
      only ? "Only partners' datasets say this " + what + " took part: " : "Partners' datasets add to this " + what + ": "]
      .concat(datasetLinks(d.partner_graphs)));
  }

  function activityItem(iri) {
    var a = state.activities[iri] || { label: slug(iri) };
    var page = pageOf(iri);
    var bits = [a.year, (a.kinds || []).join(", "), (a.countries || []).join(", ")].filter(Boolean).join(" · ");
    var li = el("li", { "data-activity": iri }, [
      page ? el("a", { href: page, text: a.label }) : el("span", { text: a.label }),
      bits ? el("span", { className: "muted", text: " — " + bits }) : null
    ]);
    if (a.partner_graphs && a.partner_graphs.length) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { className: "partner-mark" }, [el("span", { className: "partner-badge", text: "partner" }), " "]
        .concat(datasetLinks(a.partner_graphs))));
    }
    return li;
  }

  function activityList(iris, caption) {
    var wrap = el("div", { className: "activity-list" });
    wrap.appendChild(el("h3", { text: caption }));
    var ul = el("ul", { className: "activities" });
    iris.slice(0, MAX_LISTED).forEach(function (iri) { ul.appendChild(activityItem(iri)); });
    wrap.appendChild(ul);
    if (iris.length > MAX_LISTED) { wrap.appendChild(el("p", { className: "muted", text: "… and " + (iris.length - MAX_LISTED) + " more." })); }
    addEvidence(ul, iris.slice(0, MAX_LISTED));
    return wrap;
  }

  // The report's sentences behind the listed activities, fetched once per list.
  function addEvidence(ul, iris) {
    if (!iris.length) { return; }
    var q = new URLSearchParams();
    iris.forEach(function (iri) { q.append("activity", iri); });
    fetch(config.activitiesApi + "?" + q.toString()).then(function (r) { return r.ok ? r.json() : { activities: [] }; }).then(function (body) {
      body.activities.forEach(function (a) {
        var li = Array.prototype.find.call(ul.children, function (c) { return c.getAttribute("data-activity") === a.id; });
        if (!li || !a.evidence.length) { return; }
        var quotes = el("ul", { className: "evidence" });
        a.evidence.forEach(function (e) {
          quotes.appendChild(el("li", {}, [
            el("q", { text: e.text || "" }), " ",
            e.page ? el("a", { href: e.page, className: "evidence-link", text: "evidence" }) : null
          ]));
        });
        li.appendChild(quotes);
      });
    }).catch(function () { /* the list stays usable without the quotes */ });
  }

  function metricsList(node) {
    var dl = el("dl", { className: "meta" });
    [["Degree", "degree"], ["Weighted degree", "weighted_degree"], ["Betweenness", "betweenness"],
     ["PageRank", "pagerank"], ["Community", "community"]].forEach(function (m) {
      dl.appendChild(el("dt", { text: m[0] }));
      dl.appendChild(el("dd", { text: fmt(node[m[1]]) }));
    });
    return dl;
  }

  function showNode(n) {
    var d = raw(n);
    var page = pageOf(d.id);
    var parts = [el("h2", { id: "panel-title", text: d.label })];
    var facts = [];
    if (d.type === "organisation") {
      facts.push((d.kinds || []).map(function (k) { return config.kinds[k] || slug(k); }).join(", ") || "kind not stated");
    } else { facts.push(d.type); }
    parts.push(el("p", { className: "muted", text: facts.join(" · ") }));
    if (d.partner_graphs && d.partner_graphs.length) { parts.push(partnerNote(d, "organisation")); }
    if (d.parent) {
      var parentPage = pageOf(d.parent);
      var parentNode = state.cy.getElementById(d.parent);
      var parentName = parentNode.nonempty() ? raw(parentNode).label : slug(d.parent);
      parts.push(el("p", {}, ["Part of ", parentPage ? el("a", { href: parentPage, text: parentName }) : parentName]));
    }
    var links = el("p", { className: "panel-links" });
    if (page) { links.appendChild(el("a", { href: page, text: "Entity page" })); links.appendChild(document.createTextNode(" · ")); }
    links.appendChild(el("a", { href: config.page + "?" + filterQuery({ ego: d.id, depth: "1" }) + "&size=" + state.size + "&colour=" + state.colour, text: "Ego network" }));
    parts.push(links);
    parts.push(metricsList(d));
    var partners = (state.adjacent[d.id] || []).map(function (i) {
      var e = state.data.edges[i];
      return { index: i, weight: e.weight, node: state.raw[e.source === d.id ? e.target : e.source] };
    }).sort(function (a, b) { return b.weight - a.weight || a.node.label.localeCompare(b.node.label); });
    var organisations = d.type === "organisation" && partners.length && partners[0].node.type === "organisation";
    parts.push(el("h3", { text: (organisations ? "Partners" : "Linked to") + " (" + partners.length + ")" }));
    var ul = el("ul", { className: "partners" });
    partners.slice(0, MAX_LISTED).forEach(function (p) {
      var button = el("button", { type: "button", className: "link-button", text: p.node.label });
      button.addEventListener("click", function () { focusNode(state.cy.getElementById(p.node.id), true); });
      var shared = el("button", { type: "button", className: "link-button muted", text: p.weight + " shared" });
      shared.addEventListener("click", function () { showEdge(p.index); });
      ul.appendChild(el("li", {}, [button, " — ", shared]));
    });
    if (partners.length > MAX_LISTED) { ul.appendChild(el("li", { className: "muted", text: "… and " + (partners.length - MAX_LISTED) + " more (see the table)" })); }
    parts.push(ul);
    parts.push(activityList(d.activities || [], "Activities (" + (d.activities || []).length + ")"));
    panel.replaceChildren.apply(panel, parts);
  }

  // Link number i of the JSON (drawn or not): the activities behind it.
  function showEdge(i) {
    var d = state.data.edges[i];
    state.cy.elements().unselect();
    state.cy.getElementById("e" + i).select();
    var a = state.raw[d.source], b = state.raw[d.target];
    var n = (d.activities || []).length;
    panel.replaceChildren.apply(panel, [
      el("h2", { id: "panel-title", text: a.label + " — " + b.label }),
      el("p", { className: "muted", text: n + " shared " + (n === 1 ? "activity" : "activities") + (d.roles ? " · roles: " + d.roles.join(", ") : "") }),
      d.partner_graphs && d.partner_graphs.length ? partnerNote(d, "link") : null,
      activityList(d.activities || [], "Activities behind this link")
    ].filter(Boolean));
    panel.setAttribute("data-edge", "e" + i);
  }

  function focusNode(n, animate) {
    var cy = state.cy;
    cy.elements().unselect();
    n.select();
    n.data("name", shortName(raw(n)));  // a picked node shows its name even where labels are thinned out
    cy.elements().addClass("faded");
    n.closedNeighborhood().removeClass("faded");
    if (animate) {
      // Frame the node and its partners (a hub's are most of the graph), never closer than 1.5x.
      var hood = n.closedNeighborhood();
      var box = hood.boundingBox();
      var zoom = Math.min(1.5, cy.width() / Math.max(1, box.w + 80), cy.height() / Math.max(1, box.h + 80));
      cy.animate({ center: { eles: hood }, zoom: Math.max(zoom, cy.minZoom()) }, { duration: 250 });
    }
    state.focused = n.id();
    panel.removeAttribute("data-edge");
    showNode(n);
  }

  // ------------------------------------------------------------------ search

  function fillNames(data) {
    var list = document.getElementById("network-names");
    clear(list);
    var seen = {};
    data.nodes.slice(0, 5000).forEach(function (n) {
      [n.label, n.short].forEach(function (name) {
        if (name && !seen[name]) { seen[name] = true; list.appendChild(el("option", { value: name })); }
      });
    });
  }

  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q || !state.cy) { return null; }
    var nodes = state.cy.nodes().toArray();
    var tests = [
      function (d) { return d.id.toLowerCase() === q || (d.short || "").toLowerCase() === q || d.label.toLowerCase() === q; },
      function (d) { return d.label.toLowerCase().indexOf(q) === 0 || (d.short || "").toLowerCase().indexOf(q) === 0; },
      function (d) { return d.label.toLowerCase().indexOf(q) >= 0 || (d.short || "").toLowerCase().indexOf(q) >= 0; }
    ];
    for (var i = 0; i < tests.length; i++) {
      var hits = nodes.filter(function (n) { return tests[i](raw(n)); });
      if (hits.length) {
        hits.sort(function (a, b) { return (raw(b).pagerank || 0) - (raw(a).pagerank || 0); });
        return hits[0];
      }
    }
    return null;
  }

  document.getElementById("network-search").addEventListener("submit", function (evt) {
    evt.preventDefault();
    var text = document.getElementById("network-search-input").value;
    var n = find(text);
    if (n) {
      focusNode(n, true);
      statusLine.textContent = "Found " + raw(n).label + ".";
    } else {
      statusLine.textContent = "No node matches “" + text + "”.";
    }
  });

  // ------------------------------------------------------------------ size and colour, table

  function viewChanged() {
    var params = new URLSearchParams(window.location.search);
    params.set("size", state.size);
    params.set("colour", state.colour);
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    if (state.cy) { restyle(); }
  }

  document.getElementById("f-size").addEventListener("change", function (evt) { state.size = evt.target.value; viewChanged(); });
  document.getElementById("f-colour").addEventListener("change", function (evt) { state.colour = evt.target.value; viewChanged(); });

  if (table) {
    table.querySelectorAll("button.sort").forEach(function (button) {
      button.addEventListener("click", function () { sortTable(button); });
    });
    table.querySelector("tbody").addEventListener("click", function (evt) {
      if (evt.target.closest("a") || !state.cy) { return; }
      var row = evt.target.closest("tr");
      var n = row && state.cy.getElementById(row.getAttribute("data-id"));
      if (n && n.nonempty()) { focusNode(n, true); container.scrollIntoView({ block: "nearest" }); }
    });
  }

  function sortTable(button) {
    var key = button.getAttribute("data-sort");
    var text = button.getAttribute("data-type") === "text";
    var th = button.closest("th");
    var descending = th.getAttribute("aria-sort") !== "descending";
    if (text && !th.hasAttribute("aria-sort")) { descending = false; }
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.querySelector("tbody");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
      var c = text ? x.localeCompare(y) : Number(x) - Number(y);
      if (c === 0) { c = a.getAttribute("data-label").localeCompare(b.getAttribute("data-label")); return c; }
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  if (typeof cytoscape === "undefined") {
    panel.replaceChildren(el("p", { className: "notice notice--error", text: "Cytoscape.js is missing: run `make assets`." }));
    return;
  }
  load();
}());

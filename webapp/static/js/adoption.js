/* lemap: the Training Manual adoption tracer — world map, live table filters and timeline.
 * Data comes from the page (#adoption-data, built from the named queries) and /adoption.json;
 * every text from the data goes into the DOM through textContent or attributes, never parsed as HTML. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("adoption-data").textContent);
  var STAGE_COLOURS = {
    introduced: "#fde725", translated: "#5ec962", adapted: "#21918c", adopted: "#3b528b", curriculum: "#440154"
  };
  var STAGE_BY_NOTATION = ["", "introduced", "translated", "adapted", "adopted", "curriculum"];
  var SVG_NS = "http://www.w3.org/2000/svg";
  // A shape smaller than this (in the map's own units, 960 wide) also gets a ring marker, so it can be seen and clicked.
  var TINY_AREA = 14;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null) node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function entityUrl(iri) {
    var base = config.baseIri;
    if (!iri || iri.indexOf(base) !== 0 || iri.slice(base.length).indexOf("id/") !== 0) return null;
    return config.scriptRoot + "/" + iri.slice(base.length);
  }

  function stageBadge(slug, label) {
    var span = el("span", { "class": "stage stage--" + slug });
    span.appendChild(el("span", { "class": "swatch swatch--" + slug, "aria-hidden": "true" }));
    span.appendChild(document.createTextNode(label));
    return span;
  }

  function statusBadge(slug, label) {
    return slug ? el("span", { "class": "status status--" + slug }, label) : el("span", { "class": "muted" }, "—");
  }

  function evidenceList(quotes, fromPartner) {
    var frag = document.createDocumentFragment();
    if (!quotes.length && !fromPartner) frag.appendChild(el("span", { "class": "muted" }, "no excerpt"));
    quotes.forEach(function (q) { frag.appendChild(el("q", { "class": "evidence" }, q)); });
    return frag;
  }

  // A fact from partners' datasets: a badge and each dataset, linking to its graph's description (built as DOM: names are data).
  function partnerMark(names, onlyPartner) {
    var mark = el("span", { "class": "partner-mark" });
    if (!names || !names.length) return mark;
    mark.appendChild(el("span", { "class": "partner-badge",
      title: onlyPartner ? "Recorded only in a partner dataset, not in the report" : "A partner dataset adds to this" }, "partner"));
    names.forEach(function (name, i) {
      mark.appendChild(document.createTextNode(i ? ", " : " "));
      mark.appendChild(el("a", { href: config.urls.graphBase + name.split("/").map(encodeURIComponent).join("/"), "class": "partner-dataset" }, name));
    });
    return mark;
  }

  // ------------------------------------------------------------------ country card

  var card = document.getElementById("country-card");
  var pinned = null;

  function showCountry(c) {
    clear(card);
    if (!c) {
      card.appendChild(el("p", { "class": "muted" },
        "Hover over or select a country on the map to see its steps with year, language and status."));
      return;
    }
    card.setAttribute("data-iso3", c.alpha3);
    var head = el("h3", { "class": "country-card__title" });
    head.appendChild(el("a", { href: c.url }, c.label));
    card.appendChild(head);
    var standing = el("p", { "class": "standing standing--" + c.standing });
    standing.appendChild(el("strong", null, { done: "Did it", "in-progress": "Under way", "not-done": "Not done" }[c.standing] + ": "));
    standing.appendChild(document.createTextNode(c.standing_text.replace(/^[^:]*: /, "")));
    card.appendChild(standing);
    var list = el("ul", { "class": "country-card__steps" });
    c.steps.forEach(function (s) {
      var li = el("li", { "class": s.done ? "step step--done" : "step step--not-done" });
      li.appendChild(stageBadge(s.stage, s.stage_label));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(statusBadge(s.status, s.status_label));
      var facts = [];
      facts.push(s.year ? s.year : "year not given");
      if (s.language_names.length) facts.push(s.language_names.join(", "));
      li.appendChild(el("span", { "class": "step__facts" }, " " + facts.join(" · ")));
      if (s.partner_datasets && s.partner_datasets.length) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(partnerMark(s.partner_datasets, s.source === "partner"));
      }
      list.appendChild(li);
    });
    card.appendChild(list);
    var links = el("p", { "class": "country-card__links" });
    links.appendChild(el("a", { href: c.url }, "Lineage and evidence →"));
    links.appendChild(document.createTextNode(" · "));
    links.appendChild(el("a", { href: config.urls.page + "?country=" + encodeURIComponent(c.alpha3), "data-country-filter": c.alpha3 }, "Its rows in the table"));
    card.appendChild(links);
  }

  card.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-country-filter]");
    if (!link || !tableForm) return;
    event.preventDefault();
    setHidden("country", link.getAttribute("data-country-filter"));
    refreshTable();
  });

  // ------------------------------------------------------------------ map

  var mapBox = document.getElementById("adoption-map");

  function fillFor(c) {
    if (c.standing === "done") return STAGE_COLOURS[c.stage];
    return "url(#" + (c.standing === "in-progress" ? "hatch-" : "dots-") + c.stage + ")";
  }

  function addPatterns(defs) {
    Object.keys(STAGE_COLOURS).forEach(function (stage) {
      var colour = STAGE_COLOURS[stage];
      var hatch = defs.append("pattern").attr("id", "hatch-" + stage).attr("patternUnits", "userSpaceOnUse")
        .attr("width", 5).attr("height", 5).attr("patternTransform", "rotate(45)");
      hatch.append("rect").attr("width", 5).attr("height", 5).attr("fill", "#ffffff");
      hatch.append("rect").attr("width", 2.6).attr("height", 5).attr("fill", colour);
      var dots = defs.append("pattern").attr("id", "dots-" + stage).attr("patternUnits", "userSpaceOnUse")
        .attr("width", 5).attr("height", 5);
      dots.append("rect").attr("width", 5).attr("height", 5).attr("fill", "#ffffff");
      dots.append("circle").attr("cx", 2.5).attr("cy", 2.5).attr("r", 1.1).attr("fill", colour);
    });
  }

  function drawMap(world, extra) {
    var byNumeric = {};
    config.countries.forEach(function (c) { if (c.iso_numeric) byNumeric[c.iso_numeric] = c; });
    var features = topojson.feature(world, world.objects.countries).features
      .filter(function (f) { return f.id !== "010"; });  // Antarctica: no data, much space
    var have = {};
    features.forEach(function (f) { have[f.id] = true; });
    var added = (extra || []).filter(function (f) { return !have[f.id]; });
    var all = features.concat(added);

    var width = 960, height = 480;
    var projection = d3.geoNaturalEarth1().fitExtent([[6, 6], [width - 6, height - 6]],
      { type: "FeatureCollection", features: features });
    var path = d3.geoPath(projection);
    clear(mapBox);
    var svg = d3.select(mapBox).append("svg")
      .attr("viewBox", "0 0 " + width + " " + height)
      .attr("class", "adoption-map__svg")
      .attr("role", "group")
      .attr("aria-label", "World map of the furthest adoption stage per country");
    addPatterns(svg.append("defs"));
    var layer = svg.append("g").attr("class", "zoom-layer");
    layer.append("path").attr("class", "sphere").attr("d", path({ type: "Sphere" }));
    var land = layer.append("g").attr("class", "land");
    var marked = layer.append("g").attr("class", "markers");

    all.forEach(function (f) {
      var c = byNumeric[f.id];
      var d = path(f);
      if (!d) return;
      var shape = land.append("path").attr("d", d).attr("class", c ? "country country--" + c.standing : "country country--none");
      if (!c) return;
      shape.attr("fill", fillFor(c)).attr("data-iso3", c.alpha3);
      if (c.standing === "not-done") shape.attr("stroke", STAGE_COLOURS[c.stage]);
      if (c.source && c.source !== "report") shape.classed("country--partner", true);  // the stage shown is a partner's
      interactive(shape, c);
      var area = path.area(f);
      if (area < TINY_AREA || !have[f.id]) {
        var centre = projection(d3.geoCentroid(f));
        var ring = marked.append("circle").attr("class", "marker marker--" + c.standing)
          .attr("cx", centre[0]).attr("cy", centre[1]).attr("r", 6)
          .attr("fill", fillFor(c)).attr("data-iso3", c.alpha3).attr("data-marker", "1");
        interactive(ring, c);
      }
    });
    // A country with a stage and no shape in either atlas still gets a marker, at the map's edge, and says so.
    var drawn = {};
    svg.selectAll("[data-iso3]").each(function () { drawn[this.getAttribute("data-iso3")] = true; });
    var missing = config.countries.filter(function (c) { return !drawn[c.alpha3]; });
    missing.forEach(function (c, i) {
      var ring = marked.append("circle").attr("class", "marker marker--" + c.standing + " marker--unplaced")
        .attr("cx", 20 + i * 16).attr("cy", height - 16).attr("r", 6)
        .attr("fill", fillFor(c)).attr("data-iso3", c.alpha3).attr("data-marker", "unplaced");
      interactive(ring, c);
    });
    mapView = { svg: svg, layer: layer, path: path, width: width, height: height, shapes: shapesByIso(all, byNumeric) };
    addZoom(mapView);
    mapBox.setAttribute("data-state", "ready");
    mapBox.setAttribute("data-countries", String(config.countries.length));
    followTable();
  }

  // ------------------------------------------------------------------ zoom, and the table's filters on the map

  var mapView = null;

  function shapesByIso(features, byNumeric) {
    var out = {};
    features.forEach(function (f) { var c = byNumeric[f.id]; if (c) out[c.alpha3] = f; });
    return out;
  }

  function addZoom(view) {
    view.zoom = d3.zoom().scaleExtent([1, 16])
      .translateExtent([[0, 0], [view.width, view.height]])
      // The wheel zooms only with Ctrl (or ⌘), so scrolling the page never gets stuck in the map.
      .filter(function (event) { return event.type === "wheel" ? (event.ctrlKey || event.metaKey) : !event.button; })
      .on("zoom", function (event) {
        view.layer.attr("transform", event.transform);
        view.layer.selectAll("circle.marker").attr("r", 6 / event.transform.k);
        mapBox.setAttribute("data-zoom", event.transform.k.toFixed(2));
      });
    view.svg.call(view.zoom).on("dblclick.zoom", null);
    var controls = el("div", { "class": "map-controls", role: "group", "aria-label": "Zoom the map" });
    [["+", "Zoom in", function () { view.svg.transition().duration(250).call(view.zoom.scaleBy, 1.6); }],
     ["\u2212", "Zoom out", function () { view.svg.transition().duration(250).call(view.zoom.scaleBy, 1 / 1.6); }],
     ["Fit", "Fit the countries the table shows", function () { fitTo(shownCodes()); }],
     ["World", "Show the whole world", function () { fitTo(null); }]
    ].forEach(function (b) {
      var button = el("button", { type: "button", "class": "map-controls__button", title: b[1], "aria-label": b[1] }, b[0]);
      button.addEventListener("click", b[2]);
      controls.appendChild(button);
    });
    mapBox.appendChild(controls);
    mapBox.appendChild(el("p", { "class": "map-hint muted" }, "Drag to pan; Ctrl + scroll or the buttons to zoom."));
  }

  // The zoom that frames these countries (all of the world for null or none).
  function fitTo(codes) {
    if (!mapView) return;
    var features = (codes || []).map(function (c) { return mapView.shapes[c]; }).filter(Boolean);
    var t = d3.zoomIdentity;
    if (features.length) {
      var b = mapView.path.bounds({ type: "FeatureCollection", features: features });
      var w = Math.max(b[1][0] - b[0][0], 40), h = Math.max(b[1][1] - b[0][1], 30);
      var k = Math.max(1, Math.min(8, 0.85 / Math.max(w / mapView.width, h / mapView.height)));
      var cx = (b[0][0] + b[1][0]) / 2, cy = (b[0][1] + b[1][1]) / 2;
      t = d3.zoomIdentity.translate(mapView.width / 2 - k * cx, mapView.height / 2 - k * cy).scale(k);
    }
    mapView.svg.transition().duration(400).call(mapView.zoom.transform, t);
  }

  // The countries of the table's rows, or null when the table shows every step.
  function shownCodes() {
    var rows = table ? table.querySelectorAll("tbody tr[data-iso3]") : [];
    var codes = {};
    Array.prototype.forEach.call(rows, function (tr) { codes[tr.getAttribute("data-iso3")] = true; });
    return Object.keys(codes);
  }

  function filtersActive() {
    return !!tableForm && currentParams().toString().replace(/(^|&)(sort|order)=[^&]*/g, "") !== "";
  }

  // The map shows what the table shows: other countries fade, and the map frames the ones left.
  function followTable() {
    if (!mapView) return;
    var active = filtersActive();
    var codes = shownCodes();
    var keep = {};
    codes.forEach(function (c) { keep[c] = true; });
    d3.select(mapBox).selectAll("[data-iso3]").classed("is-filtered-out", function () {
      return active && !keep[this.getAttribute("data-iso3")];
    });
    var note = document.getElementById("map-filter-note");
    note.textContent = active
      ? "The map follows the table's filters: " + codes.length + " countr" + (codes.length === 1 ? "y" : "ies") + " shown, the others faded."
      : "";
    note.hidden = !active;
    mapBox.setAttribute("data-shown", active ? codes.join(" ") : "all");
    fitTo(active ? codes : null);
  }

  function interactive(selection, c) {
    var label = c.label + ": " + c.stage_label + " — " + c.standing_text;
    selection.attr("tabindex", 0).attr("role", "button").attr("aria-label", label)
      .on("mouseenter", function () { showCountry(c); })
      .on("mouseleave", function () { showCountry(pinned); })
      .on("focus", function () { showCountry(c); })
      .on("click", function () { select(c); })
      .on("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(c); }
      });
    selection.append("title").text(label);
  }

  function select(c) {
    pinned = c;
    d3.select(mapBox).selectAll("[data-iso3]").classed("is-selected", function () {
      return this.getAttribute("data-iso3") === c.alpha3;
    });
    showCountry(c);
  }

  function loadMap() {
    d3.json(config.urls.atlas110).then(function (world) {
      var ids = {};
      world.objects.countries.geometries.forEach(function (g) { ids[g.id] = true; });
      var absent = config.countries.filter(function (c) { return c.iso_numeric && !ids[c.iso_numeric]; });
      if (!absent.length) return drawMap(world, []);
      // Small countries (Mauritius, Bahrain) are not in the 1:110m atlas: take their shapes from 1:50m.
      return d3.json(config.urls.atlas50).then(function (fine) {
        var want = {};
        absent.forEach(function (c) { want[c.iso_numeric] = true; });
        var extra = topojson.feature(fine, fine.objects.countries).features.filter(function (f) { return want[f.id]; });
        drawMap(world, extra);
      });
    }).catch(function (error) {
      mapBox.setAttribute("data-state", "error");
      var status = document.getElementById("map-status");
      if (status) status.textContent = "The map could not be drawn (" + error + "); the table below has every step.";
    });
  }

  // ------------------------------------------------------------------ table

  var tableForm = document.getElementById("adoption-filters");
  var table = document.getElementById("adoption-table");

  function setHidden(name, value) {
    var input = tableForm.querySelector("input[type=hidden][name=" + name + "]");
    if (!value) { if (input) input.parentNode.removeChild(input); return; }
    if (!input) { input = el("input", { type: "hidden", name: name }); tableForm.appendChild(input); }
    input.value = value;
  }

  function currentParams() {
    var params = new URLSearchParams();
    new FormData(tableForm).forEach(function (value, key) { if (value) params.append(key, value); });
    return params;
  }

  // The filter holds an ISO code; the page says the country's name.
  function countryName(code) {
    if (!code) return "";
    var found = config.countries.filter(function (c) { return c.alpha3 === code.toUpperCase(); })[0];
    return found ? found.label : code;
  }

  function refreshTable() {
    var params = currentParams();
    var query = params.toString();
    table.setAttribute("aria-busy", "true");
    return fetch(config.urls.json + (query ? "?" + query : ""), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || response.statusText);
          return body;
        });
      })
      .then(function (body) {
        renderRows(body.rows);
        document.querySelector("#row-count [data-count]").textContent = String(body.count);
        var note = document.querySelector("#row-count [data-country-note]");
        note.hidden = !params.get("country");
        note.querySelector("[data-country]").textContent = countryName(params.get("country"));
        ["csv", "json", "xlsx"].forEach(function (ext) {
          document.getElementById("download-" + ext).setAttribute("href", downloadUrl(ext, query));
        });
        updateSortLinks(params);
        followTable();
        history.replaceState(null, "", config.urls.page + (query ? "?" + query : ""));
        table.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        table.removeAttribute("aria-busy");
        document.querySelector("#row-count [data-count]").textContent = "?";
        var tbody = table.tBodies[0];
        clear(tbody);
        var tr = el("tr", { "class": "empty" });
        tr.appendChild(el("td", { colspan: "7" }, "The table could not be updated: " + error.message));
        tbody.appendChild(tr);
      });
  }

  function downloadUrl(ext, query) {
    return config.urls.json.replace(/\.json$/, "." + ext) + (query ? "?" + query : "");
  }

  function renderRows(rows) {
    var tbody = table.tBodies[0];
    clear(tbody);
    if (!rows.length) {
      var empty = el("tr", { "class": "empty" });
      empty.appendChild(el("td", { colspan: "7" }, "No adoption step matches these filters."));
      tbody.appendChild(empty);
      return;
    }
    rows.forEach(function (row) {
      var stage = STAGE_BY_NOTATION[row.stage_notation] || "";
      var status = String(row.status || "").replace(/\s+/g, "-");
      var tr = el("tr", { "data-iso3": row.iso3, "data-stage": stage, "data-status": status, "data-source": row.source });
      var country = el("td", { "data-label": "Country" });
      country.appendChild(el("a", { href: config.urls.countryBase + encodeURIComponent(row.iso3) }, row.country));
      if (row.region) country.appendChild(el("span", { "class": "cell-note" }, row.region));
      tr.appendChild(country);
      var stageCell = el("td", { "data-label": "Stage", title: row.stage });
      stageCell.appendChild(stageBadge(stage, stage || row.stage));
      tr.appendChild(stageCell);
      tr.appendChild(el("td", { "data-label": "Year" }, row.year || "—"));
      tr.appendChild(el("td", { "data-label": "Language" }, row.language || "—"));
      var statusCell = el("td", { "data-label": "Status" });
      statusCell.appendChild(statusBadge(status, row.status));
      tr.appendChild(statusCell);
      var evidence = el("td", { "data-label": "Evidence", "class": "evidence-cell" });
      var partners = row.partner_datasets ? row.partner_datasets.split("; ") : [];
      evidence.appendChild(evidenceList(row.evidence ? row.evidence.split(" | ") : [], partners.length > 0));
      if (partners.length) evidence.appendChild(partnerMark(partners, row.source === "partner"));
      tr.appendChild(evidence);
      tr.appendChild(sectionCell(row));
      tbody.appendChild(tr);
    });
    markEvidenceCells(tbody);
  }

  function sectionCell(row) {
    var td = el("td", { "data-label": "Section" });
    var iris = row.section_iri ? row.section_iri.split(" ") : [];
    var labels = row.section ? row.section.split("; ") : [];
    if (!iris.length) td.textContent = "—";
    iris.forEach(function (iri, i) {
      if (i) td.appendChild(el("br"));
      var url = entityUrl(iri);
      var label = labels[i] || iri;
      var short = iri.replace(/^.*\//, "").replace(/-/g, " ").toUpperCase();
      td.appendChild(url ? el("a", { href: url, title: label }, short) : el("span", { title: label }, short));
    });
    return td;
  }

  function updateSortLinks(params) {
    var current = params.get("sort") || "country";
    var order = params.get("order") || "asc";
    table.querySelectorAll("a.sort").forEach(function (link) {
      var key = link.getAttribute("data-sort");
      var next = new URLSearchParams(params);
      next.set("sort", key);
      next.delete("order");
      if (key === current && order === "asc") next.set("order", "desc");
      link.setAttribute("href", config.urls.page + "?" + next.toString());
      link.parentNode.setAttribute("aria-sort", key === current ? (order === "asc" ? "ascending" : "descending") : "none");
    });
  }

  // Long quotes are cut to three lines; a click (or Enter) on the cell shows the whole of them.
  function toggleEvidence(event) {
    var cell = event.target.closest(".evidence-cell");
    if (!cell || event.target.closest("a")) return;
    if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
    if (event.type === "keydown") event.preventDefault();
    var open = cell.classList.toggle("is-open");
    cell.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function markEvidenceCells(root) {
    root.querySelectorAll(".evidence-cell").forEach(function (cell) {
      cell.setAttribute("tabindex", "0");
      cell.setAttribute("aria-expanded", "false");
      cell.setAttribute("title", "Select to show the whole quote");
    });
  }

  if (tableForm && table) {
    document.documentElement.classList.add("js");
    markEvidenceCells(table);
    table.addEventListener("click", toggleEvidence);
    table.addEventListener("keydown", toggleEvidence);
    tableForm.addEventListener("change", function () { refreshTable(); });
    tableForm.addEventListener("submit", function (event) { event.preventDefault(); refreshTable(); });
    document.getElementById("all-countries").addEventListener("click", function (event) {
      event.preventDefault();
      setHidden("country", "");
      refreshTable();
    });
    document.getElementById("filters-reset").addEventListener("click", function (event) {
      event.preventDefault();
      tableForm.querySelectorAll("select").forEach(function (s) { s.value = ""; });
      ["country", "sort", "order"].forEach(function (name) { setHidden(name, ""); });
      refreshTable();
    });
    table.querySelector("thead").addEventListener("click", function (event) {
      var link = event.target.closest("a.sort");
      if (!link) return;
      event.preventDefault();
      var next = new URL(link.href, location.href).searchParams;
      setHidden("sort", next.get("sort"));
      setHidden("order", next.get("order"));
      refreshTable();
    });
  }

  // ------------------------------------------------------------------ timeline

  var timelineBox = document.getElementById("adoption-timeline");
  var detail = document.getElementById("timeline-detail");

  function showEvent(e) {
    clear(detail);
    var head = el("p", { "class": "timeline-detail__head" });
    var years = e.start ? (e.end && e.end !== e.start ? e.start + "–" + e.end : String(e.start)) : "no year";
    head.appendChild(el("strong", null, years + " · "));
    if (e.kind === "adoption step") {
      head.appendChild(document.createTextNode((e.country_labels.join(", ") || "") + ": "));
      head.appendChild(stageBadge(e.stage, e.stage_label));
    } else {
      var url = entityUrl(e.iri);
      head.appendChild(url ? el("a", { href: url }, e.label) : document.createTextNode(e.label));
      if (e.country_labels.length) head.appendChild(document.createTextNode(" (" + e.country_labels.join(", ") + ")"));
    }
    head.appendChild(document.createTextNode(" "));
    head.appendChild(statusBadge(e.status, e.status_label));
    if (e.partner_datasets && e.partner_datasets.length) {
      head.appendChild(document.createTextNode(" "));
      head.appendChild(partnerMark(e.partner_datasets, e.source === "partner"));
    }
    detail.appendChild(head);
    if (e.documents.length) detail.appendChild(el("p", { "class": "muted" }, "Used: " + e.documents.join("; ")));
    detail.appendChild(evidenceList(e.evidence, e.partner_datasets && e.partner_datasets.length > 0));
  }

  function drawTimeline() {
    var lo = config.years[0], hi = config.years[1];
    var events = config.events.filter(function (e) { return e.placed; });
    var laneOf = {}, lanes = [];
    events.forEach(function (e) {
      var keys = e.countries.length ? e.countries : ["*"];
      keys.forEach(function (code, i) {
        if (!laneOf[code]) {
          laneOf[code] = { code: code, label: code === "*" ? "Global / regional" : (e.country_labels[i] || code) };
          lanes.push(laneOf[code]);
        }
      });
    });
    lanes.sort(function (a, b) {
      if (a.code === "*") return -1;
      if (b.code === "*") return 1;
      return a.label.localeCompare(b.label);
    });
    var laneH = 26, top = 28, labelW = 128, width = Math.max(600, Math.min(1400, timelineBox.clientWidth || 760));
    var height = top + lanes.length * laneH + 8;
    var x = d3.scaleLinear().domain([lo - 0.5, hi + 0.5]).range([labelW, width - 12]);
    clear(timelineBox);
    if (!lanes.length) {
      timelineBox.appendChild(el("p", { "class": "muted" }, "No dated adoption step or activity."));
      return;
    }
    var svg = d3.select(timelineBox).append("svg").attr("viewBox", "0 0 " + width + " " + height)
      .attr("class", "timeline__svg");
    var years = d3.range(lo, hi + 1);
    svg.append("g").attr("class", "timeline__grid").selectAll("line").data(years).join("line")
      .attr("x1", function (y) { return x(y); }).attr("x2", function (y) { return x(y); })
      .attr("y1", top - 6).attr("y2", height - 4);
    svg.append("g").attr("class", "timeline__years").selectAll("text").data(years).join("text")
      .attr("x", function (y) { return x(y); }).attr("y", 16).attr("text-anchor", "middle").text(function (y) { return y; });
    lanes.forEach(function (lane, i) {
      lane.y = top + i * laneH + laneH / 2;
      var g = svg.append("g").attr("class", "timeline__lane");
      g.append("line").attr("x1", labelW).attr("x2", width - 12).attr("y1", lane.y).attr("y2", lane.y);
      var text = lane.code === "*" ? g : g.append("a").attr("href", config.urls.countryBase + lane.code);
      text.append("text").attr("x", labelW - 8).attr("y", lane.y + 4).attr("text-anchor", "end").text(lane.label);
    });
    // Markers sharing a lane and a year are spread sideways so none hides another.
    var slots = {};
    events.forEach(function (e) {
      (e.countries.length ? e.countries : ["*"]).forEach(function (code) {
        var key = code + "@" + e.start;
        (slots[key] = slots[key] || []).push(e);
      });
    });
    var marks = svg.append("g").attr("class", "timeline__marks");
    events.forEach(function (e) {
      (e.countries.length ? e.countries : ["*"]).forEach(function (code) {
        var lane = laneOf[code];
        var group = slots[code + "@" + e.start];
        var offset = (group.indexOf(e) - (group.length - 1) / 2) * 13;
        var start = Math.max(e.start, lo), end = Math.min(e.end || e.start, hi);
        var cx = x(start) + offset;
        var g = marks.append("g").attr("class", "timeline__mark" + (e.source && e.source !== "report" ? " timeline__mark--partner" : ""))
          .attr("tabindex", 0).attr("role", "button")
          .attr("data-event", e.iri).attr("data-kind", e.kind);
        if (end > start) {
          g.append("line").attr("class", "timeline__span").attr("x1", cx).attr("x2", x(end) + offset)
            .attr("y1", lane.y).attr("y2", lane.y);
        }
        var done = e.status === "done" || (e.kind === "activity" && e.status === "in-progress");
        if (e.kind === "adoption step") {
          var colour = STAGE_COLOURS[e.stage] || "#888";
          g.append("circle").attr("cx", cx).attr("cy", lane.y).attr("r", 6.5)
            .attr("fill", e.status === "done" ? colour : "#ffffff").attr("stroke", e.status === "done" ? "#1d2433" : colour)
            .attr("stroke-width", e.status === "done" ? 1 : 2.5);
        } else {
          g.append("rect").attr("x", cx - 5.5).attr("y", lane.y - 5.5).attr("width", 11).attr("height", 11)
            .attr("fill", done ? "#1d2433" : "#ffffff").attr("stroke", "#1d2433").attr("stroke-width", done ? 1 : 2);
        }
        var years = e.end && e.end !== e.start ? e.start + "–" + e.end : e.start;
        var what = e.kind === "adoption step" ? "Manual " + e.stage_label : e.label;
        g.append("title").text(years + " · " + lane.label + " · " + what + " (" + e.status_label + ")");
        g.attr("aria-label", years + ", " + lane.label + ": " + what + ", " + e.status_label);
        g.on("click", function () { showEvent(e); })
          .on("mouseenter", function () { showEvent(e); })
          .on("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showEvent(e); }
          });
      });
    });
    timelineBox.setAttribute("data-state", "ready");
  }

  if (typeof d3 === "undefined" || typeof topojson === "undefined") {
    var status = document.getElementById("map-status");
    if (status) status.textContent = "The map needs d3 and topojson-client (make assets); the table below has every step.";
    return;
  }
  loadMap();
  if (timelineBox) drawTimeline();
})();

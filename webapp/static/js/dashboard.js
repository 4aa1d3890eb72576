/* The dashboard's charts: Observable Plot (SVG) over the rows of each chart's named query.
   The rows come from the page's #dashboard-data block (JSON, read as text: no code runs from data);
   labels are set as text by Plot, never as markup, since partner data may carry markup. */
(function () {
  "use strict";

  var block = document.getElementById("dashboard-data");
  if (!block) return;
  var data = JSON.parse(block.textContent);
  var Plot = window.Plot;

  var FONT = { fontSize: "13px", fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif" };
  var NO_YEAR = "no year";
  var NO_REGION = "no UNODC region recorded";
  // Twelve distinct colours, so that every UNODC region keeps one colour on every chart.
  var REGION_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#1f78b4", "#8c8c00", "#bab0ac"];
  var STATUS_COLOURS = { "done": "#1b7837", "in progress": "#e08214", "planned": "#8073ac",
    "intended": "#b2abd2", "not carried out": "#bababa", "needed": "#d6604d", "status not given": "#cccccc" };
  var QUALIFIER_COLOURS = { "exact": "#2166ac", "about": "#67a9cf", "more than": "#1b7837",
    "fewer than": "#d6604d", "up to": "#f4a582" };

  function num(value) { return value === null || value === undefined || value === "" ? null : Number(value); }
  function integerTicks(d) { return Number.isInteger(d) ? String(d) : ""; }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function shorten(text, max) {
    text = String(text || "");
    return text.length <= max ? text : text.slice(0, max - 1).replace(/\s+\S*$/, "") + "…";
  }

  function unique(values) {
    var seen = [];
    values.forEach(function (v) { if (seen.indexOf(v) < 0) seen.push(v); });
    return seen;
  }

  function widthOf(element) { return Math.max(360, Math.floor(element.getBoundingClientRect().width)); }

  // Regions in the order of the by-region chart (most activities first), the same colour everywhere.
  function regionScale() {
    var rows = (data["by-region"] && data["by-region"].rows) || [];
    var others = [];
    Object.keys(data).forEach(function (id) {
      (data[id].rows || []).forEach(function (r) { if (r.region_label) others.push(r.region_label); });
    });
    var domain = unique(rows.map(function (r) { return r.region_label; }).concat(others.sort()));
    domain = domain.filter(function (r) { return r !== NO_REGION; }).concat(domain.indexOf(NO_REGION) >= 0 ? [NO_REGION] : []);
    return { domain: domain, range: domain.map(function (_, i) { return REGION_COLOURS[i % REGION_COLOURS.length]; }) };
  }

  function coloursFor(domain, table) {
    return domain.map(function (d) { return table[d] || "#888888"; });
  }

  function perYear(rows, element) {
    var regions = regionScale();
    var bars = rows.map(function (r) {
      return { year: r.year === null ? NO_YEAR : String(r.year), region: r.region_label, activities: num(r.activities) };
    });
    var dated = bars.filter(function (b) { return b.year !== NO_YEAR; });
    var undated = bars.filter(function (b) { return b.year === NO_YEAR; });
    var years = unique(dated.map(function (b) { return b.year; })).sort(function (a, b) { return Number(a) - Number(b); });
    var wrapper = document.createElement("div");
    wrapper.appendChild(Plot.plot({
      width: widthOf(element), height: 400, marginLeft: 56, marginBottom: 48, marginTop: 28, style: FONT,
      x: { domain: years, label: "Year the activity started", labelAnchor: "center", labelOffset: 40, padding: 0.2 },
      y: { label: "Activities (number)", grid: true, tickFormat: integerTicks },
      color: { legend: true, domain: regions.domain, range: regions.range },
      marks: [
        Plot.barY(dated, { x: "year", y: "activities", fill: "region",
          title: function (d) { return d.region + ", " + d.year + ": " + plural(d.activities, "activity", "activities"); } }),
        Plot.text(dated, Plot.groupX({ y: "sum", text: "sum" }, { x: "year", y: "activities", text: "activities", dy: -9, fontWeight: "bold" })),
        Plot.ruleY([0])
      ]
    }));
    if (undated.length) {
      // Undated activities outnumber any one year: a bar for them would flatten the years.
      var note = document.createElement("p");
      note.className = "chart__note";
      note.textContent = "Not drawn: activities the report gives no year for — " + undated.map(function (b) {
        return b.region + " " + b.activities; }).join(", ") + " (in the table below).";
      wrapper.appendChild(note);
    }
    return wrapper;
  }

  function horizontalBars(rows, element, options) {
    var bars = rows.map(function (r) { return { label: r[options.label], value: num(r[options.value]) }; });
    return Plot.plot({
      width: widthOf(element), height: bars.length * 28 + 70, marginLeft: options.marginLeft || 250,
      marginRight: 40, marginBottom: 44, style: FONT,
      x: { label: options.xLabel, grid: true, tickFormat: integerTicks, labelAnchor: "center", labelOffset: 36 },
      y: { label: options.yLabel, domain: bars.map(function (b) { return b.label; }) },
      color: options.colour,
      marks: [
        Plot.barX(bars, { y: "label", x: "value", fill: options.fill,
          title: function (d) { return d.label + ": " + plural(d.value, "activity", "activities"); } }),
        Plot.text(bars, { y: "label", x: "value", text: function (d) { return String(d.value); }, dx: 6, textAnchor: "start" }),
        Plot.ruleX([0])
      ]
    });
  }

  function byRegion(rows, element) {
    return horizontalBars(rows, element, { label: "region_label", value: "activities", fill: "label",
      colour: regionScale(), xLabel: "Activities (number)", yLabel: "UNODC region" });
  }

  function byKind(rows, element) {
    return horizontalBars(rows, element, { label: "kind_label", value: "activities", fill: "#0b5cad",
      marginLeft: 190, xLabel: "Activities (number)", yLabel: "Kind of activity" });
  }

  function peoplePlot(rows, element, labelOf, yLabel) {
    var bars = rows.map(function (r) {
      return { label: labelOf(r), people: num(r.people), qualifier: r.qualifier_label || "exact",
        reported: r.as_reported, group: r.group, item: r.item_label, period: r.period };
    });
    var qualifiers = unique(bars.map(function (b) { return b.qualifier; }));
    return Plot.plot({
      width: widthOf(element), height: bars.length * 34 + 90, marginLeft: 480, marginRight: 150, marginBottom: 44,
      style: FONT,
      x: { label: "People (the number the report gives)", grid: true, labelAnchor: "center", labelOffset: 36 },
      y: { label: yLabel, domain: bars.map(function (b) { return b.label; }), tickFormat: function (s) { return shorten(s, 64); } },
      color: { legend: true, domain: qualifiers, range: coloursFor(qualifiers, QUALIFIER_COLOURS) },
      marks: [
        Plot.barX(bars, { y: "label", x: "people", fill: "qualifier",
          title: function (d) { return d.item + "\n" + (d.group || "") + "\n" + d.reported + (d.period ? " (" + d.period + ")" : ""); } }),
        Plot.text(bars, { y: "label", x: "people", text: "reported", dx: 6, textAnchor: "start", fontWeight: "bold" }),
        Plot.ruleX([0])
      ]
    });
  }

  function peopleTrained(rows, element) {
    var wrapper = document.createElement("div");
    var parts = [
      { source: "report figure", heading: "The report's figures, by group",
        label: function (r) { return r.group + (r.period ? " (" + r.period + ")" : ""); }, y: "Group of people trained" },
      { source: "activity", heading: "Participants of single activities",
        label: function (r) { return r.item_label; }, y: "Activity" }
    ];
    parts.forEach(function (part) {
      var subset = rows.filter(function (r) { return r.source === part.source; });
      if (!subset.length) return;
      var heading = document.createElement("h3");
      heading.textContent = part.heading;
      wrapper.appendChild(heading);
      wrapper.appendChild(peoplePlot(subset, element, part.label, part.y));
    });
    return wrapper;
  }

  function adoption(rows, element) {
    var cells = rows.map(function (r) {
      return { region: r.region_label, order: num(r.stage_order), stage: num(r.stage_order) + ". " +
        String(r.stage_label).replace("incorporated into a curriculum", "in a curriculum"),
        status: r.status_label, countries: num(r.country_count), names: r.countries };
    });
    var stages = unique(cells.slice().sort(function (a, b) { return a.order - b.order; }).map(function (c) { return c.stage; }));
    var regions = regionScale().domain.filter(function (r) { return cells.some(function (c) { return c.region === r; }); });
    var statuses = Object.keys(STATUS_COLOURS).filter(function (s) { return cells.some(function (c) { return c.status === s; }); });
    return Plot.plot({
      width: widthOf(element), height: regions.length * 34 + 130, marginLeft: 250, marginRight: 20, marginBottom: 44,
      marginTop: 56,
      style: FONT,
      fx: { domain: stages, label: "Stage of taking up the Training Manual →", labelOffset: 44, padding: 0.12 },
      x: { label: "Countries (number)", grid: true, tickFormat: integerTicks, labelAnchor: "center", labelOffset: 36 },
      y: { label: "UNODC region", domain: regions },
      color: { legend: true, domain: statuses, range: coloursFor(statuses, STATUS_COLOURS) },
      marks: [
        Plot.frame({ stroke: "#d6dbe4" }),
        Plot.barX(cells, Plot.stackX({ fx: "stage", y: "region", x: "countries", fill: "status",
          title: function (d) { return d.region + " · " + d.stage + " · " + d.status + ": " + d.names; } })),
        Plot.text(cells, Plot.stackX({ fx: "stage", y: "region", x: "countries", text: "countries", fill: "white", fontWeight: "bold" }))
      ]
    });
  }

  var DRAW = { "per-year": perYear, "by-region": byRegion, "by-kind": byKind, "people-trained": peopleTrained, "adoption": adoption };

  function fail(element, message) {
    var p = document.createElement("p");
    p.className = "notice notice--error";
    p.textContent = message;
    element.appendChild(p);
  }

  Array.prototype.forEach.call(document.querySelectorAll("figure.chart[data-chart]"), function (element) {
    var id = element.getAttribute("data-chart");
    var entry = data[id];
    if (!entry || !DRAW[id]) return;
    if (!Plot) { fail(element, "The chart library did not load; the rows are in the table below."); return; }
    if (!entry.rows.length) { fail(element, "The graph holds nothing to chart here."); return; }
    try {
      element.appendChild(DRAW[id](entry.rows, element));
      element.setAttribute("data-drawn", "true");
    } catch (e) {
      fail(element, "This chart could not be drawn (" + e.message + "); the rows are in the table below.");
    }
  });
})();

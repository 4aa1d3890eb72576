/* A "Chart" view beside YASR's table: any SELECT result with a numeric column, drawn as SVG with
 * Observable Plot (vendored, global Plot over global d3; no eval, so script-src 'self' holds).
 *
 * The reader picks the value column (numeric), the label column and, optionally, a column to colour
 * by; the first fitting columns are chosen for them. Labels that look like years are drawn as a
 * vertical time axis, other labels as horizontal bars sorted by value, so long country or
 * organisation names stay readable at 1366 px. Values from the graph only ever reach the page as
 * text (Plot writes SVG text nodes), never as HTML.
 */
(function () {
  "use strict";

  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte"].map(function (t) { return XSD + t; });
  var MAX_BARS = 60;  // more bars than this stop being readable: the largest are drawn, and the note says so

  function isNumber(binding) {
    return !!binding && binding.type !== "uri" && binding.type !== "bnode" && NUMERIC.indexOf(binding.datatype) >= 0 &&
      isFinite(Number(binding.value));
  }

  /** The variables whose every bound value is a number (and at least one is bound). */
  function numericColumns(variables, bindings) {
    return variables.filter(function (v) {
      var bound = bindings.filter(function (b) { return b[v]; });
      return bound.length > 0 && bound.every(function (b) { return isNumber(b[v]); });
    });
  }

  function looksLikeYear(v, bindings) {
    return bindings.every(function (b) {
      return !b[v] || /^(1[89]|2[01])\d\d$/.test(b[v].value);
    });
  }

  function labelOf(binding, shorten) {
    if (!binding) return "(none)";
    return binding.type === "uri" ? shorten(binding.value) : binding.value;
  }

  /* ------------------------------------------------------------ the plugin */

  function ChartPlugin(yasr) {
    this.yasr = yasr;
    this.priority = 5;  // below the table (10): the table stays the first view
    this.label = "Chart";
    this.choice = {};
  }

  ChartPlugin.prototype.results = function () {
    var r = this.yasr.results;
    if (!r || (r.hasError && r.hasError())) return null;
    var bindings = r.getBindings ? r.getBindings() : null;
    var variables = r.getVariables ? r.getVariables() : [];
    if (!bindings || !bindings.length || !variables.length) return null;
    return { variables: variables, bindings: bindings, numeric: numericColumns(variables, bindings) };
  };

  ChartPlugin.prototype.canHandleResults = function () {
    var res = this.results();
    return !!res && res.numeric.length > 0;
  };

  ChartPlugin.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.className = "lemap-chart-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "\u2587";
    return icon;
  };

  ChartPlugin.prototype.defaults = function (res) {
    var value = res.numeric[res.numeric.length - 1];
    var others = res.variables.filter(function (v) { return v !== value; });
    var literalLabel = others.filter(function (v) {
      return res.bindings.some(function (b) { return b[v] && b[v].type !== "uri" && !isNumber(b[v]); });
    })[0];
    var label = literalLabel || others[0] || "";
    return { value: value, label: label, colour: "" };
  };

  ChartPlugin.prototype.select = function (name, text, options, current, onChange) {
    var wrap = document.createElement("label");
    wrap.className = "lemap-chart__field";
    wrap.appendChild(document.createTextNode(text + " "));
    var select = document.createElement("select");
    select.name = name;
    options.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = o;
      opt.textContent = o ? "?" + o : "none";
      if (o === current) opt.selected = true;
      select.appendChild(opt);
    });
    select.addEventListener("change", function () { onChange(select.value); });
    wrap.appendChild(select);
    return wrap;
  };

  ChartPlugin.prototype.draw = function () {
    var self = this;
    var res = this.results();
    var box = document.createElement("div");
    box.className = "lemap-chart";
    this.yasr.resultsEl.appendChild(box);
    if (!res || !res.numeric.length) return;
    if (!this.choice.value || res.numeric.indexOf(this.choice.value) < 0 || res.variables.indexOf(this.choice.label) < 0) {
      this.choice = this.defaults(res);
    }
    var redraw = function (key) {
      return function (v) { self.choice[key] = v; self.yasr.resultsEl.textContent = ""; self.draw(); };
    };
    var controls = document.createElement("div");
    controls.className = "lemap-chart__controls";
    controls.appendChild(this.select("value", "Value", res.numeric, this.choice.value, redraw("value")));
    controls.appendChild(this.select("label", "Label", res.variables.filter(function (v) { return v !== self.choice.value; }),
      this.choice.label, redraw("label")));
    controls.appendChild(this.select("colour", "Colour by", [""].concat(res.variables.filter(function (v) {
      return v !== self.choice.value && v !== self.choice.label;
    })), this.choice.colour, redraw("colour")));
    box.appendChild(controls);
    var figure = document.createElement("figure");
    figure.className = "lemap-chart__figure";
    box.appendChild(figure);
    this.svg = this.plot(res, figure, Math.max(480, this.yasr.resultsEl.clientWidth || 900));
  };

  ChartPlugin.prototype.rows = function (res) {
    var c = this.choice;
    var shorten = this.shorten.bind(this);
    return res.bindings.filter(function (b) { return isNumber(b[c.value]); }).map(function (b) {
      return {
        value: Number(b[c.value].value),
        label: c.label ? labelOf(b[c.label], shorten) : "",
        colour: c.colour ? labelOf(b[c.colour], shorten) : ""
      };
    });
  };

  ChartPlugin.prototype.shorten = function (iri) {
    var prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : {};
    var best = null;
    Object.keys(prefixes || {}).forEach(function (p) {
      if (iri.indexOf(prefixes[p]) === 0 && (!best || prefixes[p].length > prefixes[best].length)) best = p;
    });
    return best ? best + ":" + iri.slice(prefixes[best].length) : iri;
  };

  ChartPlugin.prototype.plot = function (res, figure, width) {
    var c = this.choice;
    var rows = this.rows(res);
    var byYear = c.label && looksLikeYear(c.label, res.bindings);
    var caption = document.createElement("figcaption");
    var chart = byYear ? this.yearChart(rows, width) : this.barChart(rows, width, caption);
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", "?" + c.value + " by ?" + (c.label || "row") + (c.colour ? ", coloured by ?" + c.colour : ""));
    figure.appendChild(chart);
    if (!caption.textContent) caption.textContent = rows.length + " rows: ?" + c.value + " by ?" + (c.label || "row") + ".";
    figure.appendChild(caption);
    return chart.tagName.toLowerCase() === "svg" ? chart : chart.querySelector("svg");
  };

  ChartPlugin.prototype.yearChart = function (rows, width) {
    var c = this.choice;
    var Plot = window.Plot;
    return Plot.plot({
      width: width, height: 420, marginLeft: 70, marginBottom: 50,
      style: { fontSize: "14px" },
      x: { label: "?" + c.label, tickFormat: "d", type: "band" },
      y: { label: "?" + c.value, grid: true },
      color: c.colour ? { legend: true } : undefined,
      marks: [
        Plot.barY(rows, Plot.groupX({ y: "sum" }, { x: "label", y: "value", fill: c.colour ? "colour" : "steelblue", tip: true })),
        Plot.ruleY([0])
      ]
    });
  };

  ChartPlugin.prototype.barChart = function (rows, width, caption) {
    var c = this.choice;
    var Plot = window.Plot;
    var totals = {};
    rows.forEach(function (r) { totals[r.label] = (totals[r.label] || 0) + r.value; });
    var labels = Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a]; });
    if (labels.length > MAX_BARS) {
      caption.textContent = "The " + MAX_BARS + " largest of " + labels.length + " labels of ?" + c.label + ", by ?" + c.value + ".";
      var kept = {};
      labels.slice(0, MAX_BARS).forEach(function (l) { kept[l] = true; });
      rows = rows.filter(function (r) { return kept[r.label]; });
      labels = labels.slice(0, MAX_BARS);
    }
    var longest = labels.reduce(function (n, l) { return Math.max(n, l.length); }, 0);
    return Plot.plot({
      width: width,
      height: Math.max(160, labels.length * 24 + 70),
      marginLeft: Math.min(320, 24 + 7.5 * Math.min(longest, 40)),
      marginRight: 40,
      style: { fontSize: "14px" },
      x: { label: "?" + c.value + " \u2192", grid: true, axis: labels.length > 12 ? "both" : "bottom" },
      y: { label: c.label ? "?" + c.label : null, domain: labels, tickFormat: function (l) { return l.length > 40 ? l.slice(0, 39) + "\u2026" : l; } },
      color: c.colour ? { legend: true } : undefined,
      marks: [
        Plot.barX(rows, { x: "value", y: "label", fill: c.colour ? "colour" : "steelblue", tip: true }),
        Plot.ruleX([0])
      ]
    });
  };

  ChartPlugin.prototype.download = function () {
    var svg = this.svg;
    if (!svg) return undefined;
    return {
      contentType: "image/svg+xml",
      getData: function () { return new XMLSerializer().serializeToString(svg); },
      filename: "chart.svg",
      title: "Download the chart as SVG"
    };
  };

  ChartPlugin.prototype.destroy = function () { this.svg = null; };

  window.lemapChart = { ChartPlugin: ChartPlugin, numericColumns: numericColumns };
})();

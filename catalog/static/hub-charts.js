/* The hub's charts: each <section class="hub-chart" data-chart="{...}"> is drawn with Vega-Lite
   (Vega for treemaps) from the hub's own JSON API, and its table of values (the text
   alternative) is rewritten from the same rows when the reader picks another parameter.
   No inline script and no eval: vega-embed runs with its expression interpreter (ast). */
(function () {
  "use strict";
  var sections = document.querySelectorAll(".hub-chart[data-chart]");
  if (!sections.length) return;
  var lang = document.documentElement.lang || "fr";
  var numbers = new Intl.NumberFormat(lang, {maximumFractionDigits: 2});

  function load(url, done) {
    if (window.vegaEmbed) return done();
    var existing = document.querySelector("script[data-hub-vega]");
    if (existing) return existing.addEventListener("load", done);
    var script = document.createElement("script");
    script.src = url;
    script.setAttribute("data-hub-vega", "");
    script.addEventListener("load", done);
    document.head.appendChild(script);
  }

  var locale = {decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0€"]};

  function spec(config, values, width) {
    var valueTitle = config.value_title || (config.value === "count" ? (config.count_title || "count") : config.value);
    if (config.type === "treemap") {
      var nodes = [{id: "root"}].concat(values.map(function (v, i) {
        return {id: "n" + i, parent: "root", category: String(v.category), value: v.value};
      }));
      return {
        mode: "vega",
        spec: {
          description: config.title, width: width, height: 380, padding: 4, autosize: "none",
          data: [
            {name: "tree", values: nodes, transform: [
              {type: "stratify", key: "id", parentKey: "parent"},
              {type: "treemap", field: "value", sort: {field: "value"}, round: true, method: "squarify",
               size: [{signal: "width"}, {signal: "height"}]}]},
            {name: "leaves", source: "tree", transform: [{type: "filter", expr: "datum.parent == 'root'"}]}
          ],
          scales: [{name: "color", type: "ordinal", domain: {data: "leaves", field: "category"},
                    range: {scheme: "tableau20"}}],
          marks: [
            {type: "rect", from: {data: "leaves"}, aria: false, encode: {
              enter: {fill: {scale: "color", field: "category"}, stroke: {value: "#fff"},
                      // No publisher text inside the expression: only the datum's own fields.
                      tooltip: {signal: "datum.category + ' : ' + format(datum.value, ',.2f')"}},
              update: {x: {field: "x0"}, y: {field: "y0"}, x2: {field: "x1"}, y2: {field: "y1"}}}},
            {type: "text", from: {data: "leaves"}, interactive: false, aria: false, encode: {
              enter: {text: {field: "category"}, fill: {value: "#111"}, fontSize: {value: 12}, baseline: {value: "top"}},
              update: {x: {signal: "datum.x0 + 5"}, y: {signal: "datum.y0 + 5"},
                       limit: {signal: "max(0, datum.x1 - datum.x0 - 10)"}}}}
          ]
        }
      };
    }
    var data = {values: values.map(function (v) { return {category: v.category, value: v.value}; })};
    if (config.type === "line") {
      return {mode: "vega-lite", spec: {
        description: config.title, width: width, height: 300, data: data,
        mark: {type: "line", point: true, tooltip: true},
        encoding: {
          x: {field: "category", type: config.temporal ? "temporal" : "ordinal", title: config.category},
          y: {field: "value", type: "quantitative", title: valueTitle, axis: {format: ",.0f"}}
        }
      }};
    }
    return {mode: "vega-lite", spec: {
      description: config.title, width: Math.max(200, width - 280), height: {step: 24}, data: data,
      mark: {type: "bar", tooltip: true, color: "#276890"},
      encoding: {
        y: {field: "category", type: "nominal", sort: "-x", title: null, axis: {labelLimit: 260}},
        x: {field: "value", type: "quantitative", title: valueTitle, axis: {format: ",.0f"}}
      }
    }};
  }

  function table(section, values) {
    var body = section.querySelector(".hub-chart-values tbody");
    if (!body) return;
    body.textContent = "";
    values.forEach(function (v) {
      var row = document.createElement("tr");
      var head = document.createElement("th");
      head.scope = "row";
      head.textContent = v.category === null ? "—" : String(v.category);
      var cell = document.createElement("td");
      cell.setAttribute("data-value", v.value === null ? "" : String(v.value));
      cell.textContent = v.value === null ? "—" : numbers.format(v.value);
      row.appendChild(head);
      row.appendChild(cell);
      body.appendChild(row);
    });
  }

  function draw(section, config, url) {
    var canvas = section.querySelector(".hub-chart-canvas");
    var empty = section.querySelector(".hub-chart-empty");
    section.setAttribute("aria-busy", "true");
    fetch(url, {headers: {Accept: "application/json"}}).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (rows) {
      var values = rows.map(function (r) { return {category: r[config.category], value: r[config.value]}; });
      table(section, values);
      if (empty) empty.hidden = values.length > 0;
      canvas.hidden = values.length === 0;
      if (!values.length) return;
      var made = spec(config, values, Math.min(900, Math.max(280, canvas.clientWidth || section.clientWidth || 600)));
      return window.vegaEmbed(canvas, made.spec, {
        mode: made.mode, renderer: "svg", actions: false, ast: true, defaultStyle: false,
        formatLocale: locale, config: {font: "sans-serif", view: {stroke: null}}
      }).then(function () { section.setAttribute("data-drawn", String(values.length)); });
    }).catch(function (error) {
      section.setAttribute("data-error", String(error));
      if (empty) { empty.hidden = false; }
    }).then(function () { section.removeAttribute("aria-busy"); });
  }

  load(sections[0].getAttribute("data-vega"), function () {
    sections.forEach(function (section) {
      var config = JSON.parse(section.getAttribute("data-chart"));
      config.count_title = section.getAttribute("data-count-title");
      draw(section, config, config.data_url);
      var select = section.querySelector("select.hub-chart-parameter");
      if (!select) return;
      select.addEventListener("change", function () {
        var query = "_shape=array&" + encodeURIComponent(config.parameter) + "=" + encodeURIComponent(select.value);
        var see = section.querySelector("a.hub-chart-see");
        if (see) see.href = config.html_base + "?" + encodeURIComponent(config.parameter) + "=" + encodeURIComponent(select.value);
        var json = section.querySelector("a.hub-chart-json");
        if (json) json.href = config.json_base + "?" + query;
        draw(section, config, config.json_base + "?" + query);
      });
    });
  });
})();

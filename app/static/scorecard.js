// The audit scorecard's charts, drawn by Vega-Lite (through vega-embed) from the rows of
// /views/audit-scorecard.json. The page (#scorecard-data) says where each chart goes and fixes
// its y scale: charts that share a scale get the same domain and the same round ticks, so a
// 3-point dip looks like 3 points and stakeholders can be compared. Each chart has its target as
// a dashed line and a tooltip on every point; the latest value is printed beside it by the page.
// Vega runs without eval (vega-interpreter, `ast: true`), as the Content-Security-Policy asks.
// window.scorecardViews holds each chart's Vega view, for the tests.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("scorecard-data").textContent);
  const status = document.getElementById("scorecard-status");
  const COLOURS = { met: "#2e7d4f", missed: "#b42318", "not judged": "#8c959f" };
  const AXIS = { labelFont: "DejaVu Sans, Verdana, sans-serif", labelFontSize: 10, labelColor: "#57606a",
                 domainColor: "#8c959f", tickColor: "#8c959f", title: null };
  window.scorecardViews = {};
  window.scorecardSpec = (chart, values) => spec(chart, values);

  function spec(chart, values) {
    const x = {
      field: "date", type: "temporal", scale: { type: "utc", padding: 7 },
      axis: { ...AXIS, format: "%b %y", labelOverlap: "greedy", grid: false,
              values: values.map((v) => {
                const [year, month, date] = v.date.split("-").map(Number);
                return { year, month, date, utc: true };
              }) },
    };
    const y = {
      field: "value", type: "quantitative",
      scale: { domain: chart.domain, nice: false, zero: false, clamp: true },
      axis: { ...AXIS, values: chart.ticks, format: "~f", grid: true, gridColor: "#e3e8ee", labelOverlap: false },
    };
    const layers = [];
    if (chart.threshold !== null) {
      layers.push({
        data: { values: [{}] }, // one line, not one per measurement
        mark: { type: "rule", color: COLOURS.missed, strokeDash: [4, 3], strokeWidth: 1.3 },
        // The same scale and axis as the points, or Vega-Lite merges two y axes into its defaults.
        encoding: { y: { ...y, field: undefined, datum: chart.threshold } },
      });
    }
    layers.push({ mark: { type: "line", color: "#1f5fa8", strokeWidth: 2 }, encoding: { x, y } });
    layers.push({
      mark: { type: "point", filled: true, size: 55, opacity: 1 },
      encoding: {
        x, y,
        color: { field: "status", type: "nominal", legend: null,
                 scale: { domain: Object.keys(COLOURS), range: Object.values(COLOURS) } },
        tooltip: [
          { field: "when", type: "nominal", title: "Measured" },
          { field: "value", type: "quantitative", title: chart.title, format: "~g" },
          { field: "target", type: "nominal", title: "Target" },
          { field: "status", type: "nominal", title: "Against target" },
        ],
      },
    });
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: 168, height: 92, padding: { left: 2, right: 6, top: 6, bottom: 2 },
      background: null, config: { view: { stroke: null } },
      data: { values }, layer: layers,
    };
  }

  function rowsByChart(results) {
    const found = new Map();
    for (const b of results.results.bindings) {
      const key = `${b.stakeholder.value} ${b.metric.value}`;
      if (!found.has(key)) found.set(key, []);
      found.get(key).push({
        date: b.measurementDate.value, when: b.measurementDate.value, value: Number(b.value.value),
        target: b.threshold ? b.threshold.value : "none",
        status: !b.met ? "not judged" : (b.met.value === "true" ? "met" : "missed"),
      });
    }
    for (const points of found.values()) points.sort((a, b) => a.date.localeCompare(b.date));
    return found;
  }

  function draw(chart, values) {
    const plot = document.querySelector(`#${chart.id} .plot`);
    return vegaEmbed(plot, spec(chart, values), {
      renderer: "svg", actions: false, ast: true, expr: vegaInterpreter.expressionInterpreter,
      defaultStyle: false, tooltip: { disableDefaultStyle: true },
    }).then((result) => { window.scorecardViews[chart.id] = result.view; });
  }

  if (!config.charts.length) {
    document.body.dataset.charts = "drawn";
    return;
  }
  fetch(config.data, { headers: { Accept: "application/sparql-results+json" } })
    .then((response) => {
      if (!response.ok) throw new Error(`${config.data} answered ${response.status}`);
      return response.json();
    })
    .then((results) => {
      const rows = rowsByChart(results);
      return Promise.all(config.charts.map((c) => draw(c, rows.get(`${c.stakeholder} ${c.metric}`) || [])));
    })
    .then(() => { document.body.dataset.charts = "drawn"; })
    .catch((error) => {
      status.textContent = `The charts could not be drawn (${error}); the latest values are shown beside each.`;
      document.body.dataset.charts = "error";
    });
})();

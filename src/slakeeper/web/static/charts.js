// slakeeper console: draws each report chart with the vendored Chart.js from the JSON data
// beside its canvas (<script type="application/json" id="CANVAS-data">). No drawing by hand,
// no inline code; the numbers are also in a table after each chart.
(function () {
  "use strict";

  // Colours that stay apart for common colour-vision deficiencies (Okabe-Ito), and a dash
  // pattern and point shape per series, so a series never differs by colour alone.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 1], [8, 8], [4, 2, 1, 2]];
  var POINTS = ["circle", "triangle", "rect", "rectRot", "star", "crossRot", "cross"];

  function dataset(series, index, type) {
    var colour = COLOURS[index % COLOURS.length];
    var set = { label: series.label, data: series.data, borderColor: colour, borderWidth: 2,
                backgroundColor: colour, spanGaps: false };
    if (type === "line") {
      set.borderDash = DASHES[index % DASHES.length];
      set.pointStyle = POINTS[index % POINTS.length];
      set.pointRadius = 4;
      set.fill = false;
    }
    return set;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.id + "-data");
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var percent = spec.percent;
    var valueAxis = { beginAtZero: true, title: { display: true, text: spec.yTitle },
                      ticks: { callback: function (v) { return percent ? v + "%" : v; } } };
    if (percent) valueAxis.max = 100;
    var scales = spec.horizontal ? { x: valueAxis } : { y: valueAxis };
    canvas.chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (s, i) { return dataset(s, i, spec.type); }) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: scales,
        plugins: { legend: { display: spec.datasets.length > 1, labels: { usePointStyle: spec.type === "line" } } }
      }
    });
  }

  // Drawn once, at load: the reports page reloads whole when its period changes (htmx,
  // configured with allowScriptTags false, drops <script> elements, data ones included,
  // from content it swaps in).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.chart").forEach(draw);
  });
})();

// The account page's 12-week compliance chart: data from the page's JSON block (data, not
// script: the CSP allows no inline code), drawn by the vendored Chart.js.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("trend-chart");
    var source = document.getElementById("trend-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var datasets = [{
      label: "Compliance %",
      data: data.compliance,
      borderColor: "#0a58ca",
      backgroundColor: "#0a58ca",
      pointStyle: "circle",
      pointRadius: 4,
      spanGaps: false
    }];
    if (data.commitment !== null) {
      datasets.push({
        label: "Commitment " + data.commitment + "%",
        data: data.labels.map(function () { return data.commitment; }),
        borderColor: "#b42318",
        backgroundColor: "#b42318",
        borderDash: [6, 4],
        pointRadius: 0
      });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { suggestedMin: 0, max: 100, title: { display: true, text: "% met" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

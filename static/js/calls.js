/* The call explorer's histograms: latency and tokens per model (Chart.js, grouped bars).
   Drawn on load and again whenever htmx swaps the explorer region in. */
(function () {
  "use strict";
  const charts = {};

  function draw(canvasId, histogram, unit) {
    const canvas = document.getElementById(canvasId);
    if (!canvas || !histogram) return;
    if (charts[canvasId]) charts[canvasId].destroy();
    const models = Object.keys(histogram.models);
    const datasets = models.map(function (model, i) {
      return {
        label: model,
        data: histogram.models[model],
        backgroundColor: SimCharts.color(i, 0.75),
        borderColor: SimCharts.color(i),
        borderWidth: 1,
      };
    });
    charts[canvasId] = new Chart(canvas, {
      type: "bar",
      data: { labels: histogram.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: models.length > 0, position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { title: { display: true, text: unit }, ticks: { autoSkip: false, maxRotation: 45 } },
          y: { title: { display: true, text: "calls" }, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  function render() {
    const node = document.getElementById("histogram-data");
    if (!node) return;
    const data = JSON.parse(node.textContent);
    draw("latency-histogram", data.latency_ms, "latency");
    draw("token-histogram", data.tokens, "prompt + completion tokens");
  }

  document.addEventListener("DOMContentLoaded", render);
  document.body.addEventListener("htmx:afterSettle", render);
})();

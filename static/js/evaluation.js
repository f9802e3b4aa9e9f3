/* The run console's evaluation panel: one radar (or bar) chart of every evaluator's scores,
   as a share of each dimension's range; redrawn whenever htmx swaps the panel in. */
(function () {
  "use strict";
  let chart = null;

  function draw() {
    const canvas = document.getElementById("evaluation-chart");
    const data = SimCharts.fromScript("evaluation-data");
    if (chart) { chart.destroy(); chart = null; }
    if (!canvas || !data || !data.dimensions.length) return;
    const radar = data.dimensions.length >= 3;
    chart = new Chart(canvas, {
      type: radar ? "radar" : "bar",
      data: {
        labels: data.dimensions.map(SimCharts.label),
        datasets: data.evaluators.map(function (e, i) {
          return {
            label: e.label,
            data: e.values,
            borderColor: SimCharts.color(i),
            backgroundColor: SimCharts.color(i, radar ? 0.15 : 0.7),
            pointRadius: 3,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: true, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + "% of range"; } } },
        },
        scales: radar
          ? { r: { min: 0, max: 100, ticks: { stepSize: 25, display: false } } }
          : { y: { min: 0, max: 100, title: { display: true, text: "% of range" } } },
      },
    });
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    const target = event.target;
    if (target && (target.id === "evaluation-panel" || (target.querySelector && target.querySelector("#evaluation-chart")))) draw();
  });
  window.SimEvaluation = {
    /** Draw the chart if the panel was replaced and its canvas has no chart yet. */
    refresh: function () {
      const canvas = document.getElementById("evaluation-chart");
      if (canvas && !Chart.getChart(canvas)) draw();
    },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

/* A batch's analysis fragment: effect sizes of the chosen comparison and evaluator scores
   per cell; drawn each time htmx swaps the fragment in. */
(function () {
  "use strict";
  const charts = [];

  function draw() {
    while (charts.length) charts.pop().destroy();
    const data = SimCharts.fromScript("analysis-data");
    if (!data) return;
    const effect = document.getElementById("effect-chart");
    if (effect && data.effects.length) {
      charts.push(SimCharts.ciChart(effect, data.effects.map(function (e) { return SimCharts.label(e.metric); }),
        data.effects.map(function (e) { return { mean: e.g, low: e.low, high: e.high, n: "" }; })));
    }
    const scores = document.getElementById("scores-chart");
    if (scores && data.scores.dimensions.length) {
      charts.push(SimCharts.bars(scores, data.scores.dimensions.map(SimCharts.label), data.scores.groups, undefined));
    }
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "batch-analysis") draw();
  });
})();

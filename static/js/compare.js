/* Run comparison: overlaid per-tick charts, box plots per condition, evaluation scores. */
(function () {
  "use strict";
  const data = SimCharts.fromScript("compare-data");
  if (!data) return;
  const overlayBox = document.getElementById("overlay-charts");
  data.metrics.forEach(function (metric) {
    SimCharts.overlay(SimCharts.cell(overlayBox, metric, "chart-cell chart-cell-wide"), data.lines, metric);
  });
  const spreadBox = document.getElementById("spread-charts");
  if (spreadBox && data.spread) {
    Object.keys(data.spread.values).forEach(function (metric) {
      SimCharts.boxplot(SimCharts.cell(spreadBox, metric, "chart-cell chart-cell-wide"), data.spread.labels, data.spread.values[metric], metric);
    });
  }
  const scores = document.getElementById("score-chart");
  if (scores && data.scores.dimensions.length) {
    SimCharts.bars(scores, data.scores.dimensions.map(SimCharts.label), data.scores.runs, undefined);
  }
})();

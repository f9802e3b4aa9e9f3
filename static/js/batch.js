/* A batch: per-cell means with 95% CIs and the spread of final values across seeds. */
(function () {
  "use strict";
  const ci = SimCharts.fromScript("ci-data");
  const spread = SimCharts.fromScript("spread-data");
  const ciBox = document.getElementById("ci-charts");
  if (ci && ciBox) {
    Object.keys(ci.metrics).forEach(function (metric) {
      SimCharts.ciChart(SimCharts.cell(ciBox, metric, "chart-cell chart-cell-wide"), ci.labels, ci.metrics[metric]);
    });
  }
  const spreadBox = document.getElementById("spread-charts");
  if (spread && spreadBox) {
    Object.keys(spread.values).forEach(function (metric) {
      SimCharts.boxplot(SimCharts.cell(spreadBox, metric, "chart-cell chart-cell-wide"), spread.labels, spread.values[metric], metric);
    });
  }
})();

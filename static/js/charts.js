/* Chart helpers shared by the console pages (Chart.js 4, vendored; box plots via
   @sgratzl/chartjs-chart-boxplot when the page loads it). */
window.SimCharts = (function () {
  "use strict";
  const PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997",
    "#d63384", "#0dcaf0", "#6c757d", "#ffc107", "#198754", "#6610f2"];

  function color(i, alpha) {
    const hex = PALETTE[i % PALETTE.length];
    if (alpha === undefined) return hex;
    const n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function label(name) { return String(name).replace(/_/g, " "); }

  function isNumber(v) { return typeof v === "number" && isFinite(v); }

  /** Metric names with at least one number in `points` ([{i, m: {...}}]), in first-seen order. */
  function metricNames(points) {
    const names = [];
    points.forEach(function (p) {
      Object.keys(p.m || {}).forEach(function (k) {
        if (isNumber(p.m[k]) && names.indexOf(k) < 0) names.push(k);
      });
    });
    return names;
  }

  /* Draws a chart's `$cursor` tick (set by `smallMultiples().cursor`) as a vertical line. */
  const CURSOR_PLUGIN = {
    id: "simCursor",
    afterDatasetsDraw: function (chart) {
      if (chart.$cursor === null || chart.$cursor === undefined || !chart.scales.x) return;
      const x = chart.scales.x.getPixelForValue(chart.$cursor);
      const area = chart.chartArea;
      if (x < area.left || x > area.right) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "rgba(33,37,41,.75)";
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };

  const BASE = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { display: false } },
    elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2, tension: 0.15 } },
  };

  function linearX(title) {
    return { type: "linear", title: { display: !!title, text: title || "" }, ticks: { precision: 0, maxTicksLimit: 8 } };
  }

  function cell(container, name, cls) {
    const box = document.createElement("div");
    box.className = cls || "chart-cell";
    box.dataset.metric = name;
    const title = document.createElement("div");
    title.className = "chart-title";
    title.textContent = label(name);
    const wrap = document.createElement("div");
    wrap.className = "chart-canvas";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("aria-label", label(name) + " per tick");
    canvas.setAttribute("role", "img");
    wrap.appendChild(canvas);
    box.appendChild(title);
    box.appendChild(wrap);
    container.appendChild(box);
    return canvas;
  }

  /** One small line chart per metric; `append(points)` adds ticks (ignoring ones it has). */
  function smallMultiples(container, points) {
    const charts = {};
    let last = -Infinity;
    let order = 0;

    function ensure(name) {
      if (charts[name]) return charts[name];
      const canvas = cell(container, name);
      const i = order++;
      charts[name] = new Chart(canvas, {
        type: "line",
        data: { datasets: [{ label: label(name), data: [], borderColor: color(i), backgroundColor: color(i, 0.12), fill: true }] },
        options: Object.assign({}, BASE, { scales: { x: linearX(), y: { beginAtZero: true, ticks: { maxTicksLimit: 5 } } } }),
        plugins: [CURSOR_PLUGIN],
      });
      charts[name].$cursor = cursorAt;
      return charts[name];
    }

    function append(newPoints) {
      const touched = {};
      newPoints.forEach(function (p) {
        if (p.i <= last) return;
        last = p.i;
        Object.keys(p.m || {}).forEach(function (k) {
          if (!isNumber(p.m[k])) return;
          const chart = ensure(k);
          chart.data.datasets[0].data.push({ x: p.i, y: p.m[k] });
          touched[k] = chart;
        });
      });
      Object.keys(touched).forEach(function (k) { touched[k].update("none"); });
      return Object.keys(touched).length;
    }

    /** Mark tick `i` on every chart with a vertical line (null: no mark). */
    let cursorAt = null;
    function cursor(i) {
      cursorAt = i === null || i === undefined ? null : i;
      Object.keys(charts).forEach(function (k) {
        charts[k].$cursor = cursorAt;
        charts[k].update("none");
      });
    }

    append(points);
    return { append: append, cursor: cursor, charts: charts, lastStep: function () { return last; } };
  }

  /** Several runs' values of one metric per tick, overlaid. */
  function overlay(canvas, series, metric) {
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: series.map(function (s, i) {
          return {
            label: s.label,
            data: s.points.filter(function (p) { return p.m && isNumber(p.m[metric]); })
              .map(function (p) { return { x: p.i, y: p.m[metric] }; }),
            borderColor: color(i), backgroundColor: color(i, 0.1),
          };
        }),
      },
      options: Object.assign({}, BASE, {
        plugins: { legend: { display: series.length > 1, position: "bottom", labels: { boxWidth: 10, font: { size: 10 } } } },
        scales: { x: linearX("tick"), y: { beginAtZero: true, ticks: { maxTicksLimit: 5 } } },
      }),
    });
  }

  /** Grouped bars: `labels` on x, one dataset per entry of `groups` ({label, values}). */
  function bars(canvas, labels, groups, yMax) {
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: groups.map(function (g, i) { return { label: g.label, data: g.values, backgroundColor: color(i, 0.75) }; }) },
      options: Object.assign({}, BASE, {
        interaction: { mode: "nearest", intersect: true },
        plugins: { legend: { display: groups.length > 1, position: "bottom", labels: { boxWidth: 10, font: { size: 10 } } } },
        scales: { y: { beginAtZero: true, max: yMax, ticks: { maxTicksLimit: 6 } } },
      }),
    });
  }

  /** Means with confidence intervals: a floating bar from low to high and the mean as a point. */
  function ciChart(canvas, labels, rows) {
    return new Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: "95% CI", data: rows.map(function (r) { return [r.low, r.high]; }), backgroundColor: color(0, 0.25), borderColor: color(0), borderWidth: 1, barPercentage: 0.5 },
          { type: "scatter", label: "mean", data: rows.map(function (r, i) { return { x: labels[i], y: r.mean }; }), backgroundColor: color(1), pointRadius: 4, pointStyle: "rectRot" },
        ],
      },
      options: Object.assign({}, BASE, {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: true, position: "bottom", labels: { boxWidth: 10, font: { size: 10 } } },
          tooltip: { callbacks: { label: function (ctx) {
            const r = rows[ctx.dataIndex];
            return ctx.dataset.type === "bar" ? "95% CI " + fmt(r.low) + " – " + fmt(r.high) + " (n=" + r.n + ")" : "mean " + fmt(r.mean);
          } } } },
        scales: { x: { type: "category" }, y: { ticks: { maxTicksLimit: 6 } } },
      }),
    });
  }

  /** Spread across seeds: one box per label from the raw values (box-plot plugin). */
  function boxplot(canvas, labels, valueLists, name) {
    return new Chart(canvas, {
      type: "boxplot",
      data: { labels: labels, datasets: [{ label: label(name), data: valueLists, backgroundColor: color(0, 0.25), borderColor: color(0), borderWidth: 1, outlierBackgroundColor: color(1), itemRadius: 2, itemStyle: "circle", itemBackgroundColor: color(0, 0.5) }] },
      options: Object.assign({}, BASE, {
        interaction: { mode: "nearest", intersect: true },
        plugins: { legend: { display: false } },
        scales: { y: { ticks: { maxTicksLimit: 6 } } },
      }),
    });
  }

  function fmt(v) { return isNumber(v) ? (Math.round(v * 1000) / 1000).toString() : "—"; }

  function fromScript(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  return { color: color, label: label, metricNames: metricNames, smallMultiples: smallMultiples, overlay: overlay, bars: bars, ciChart: ciChart, boxplot: boxplot, cell: cell, fromScript: fromScript };
})();

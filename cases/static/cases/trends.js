// 统计分析 / 数据公开: draw each chart from the JSON beside it (the table beneath holds the
// same numbers for screen readers and for copying). Chart.js is served from our own static files.
(function () {
  "use strict";
  var palette = ["#2f6db5", "#d9822b", "#3a9a5b", "#c0392b", "#7d5ba6", "#8c6d31", "#17a2b8", "#6c757d"];

  function draw(canvas) {
    if (typeof Chart === "undefined" || Chart.getChart(canvas)) return;
    var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var line = spec.type === "line";
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          var color = palette[i % palette.length];
          return {
            label: d.label,
            data: d.data,
            borderColor: d.dashed ? "#555" : color,
            backgroundColor: d.dashed ? "#555" : (line ? color : color + "cc"),
            borderDash: d.dashed ? [6, 4] : [],
            borderWidth: line ? 2 : 0,
            pointRadius: line && spec.labels.length <= 40 ? 2 : 0,
            fill: false,
            tension: 0,
            spanGaps: false,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } },
          y: {
            stacked: spec.stacked,
            beginAtZero: true,
            ticks: { precision: 0, callback: function (v) { return spec.percent ? v + "%" : v; } },
          },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  // Printing: redraw at the paper's width.
  window.addEventListener("beforeprint", function () {
    if (typeof Chart === "undefined") return;
    Object.values(Chart.instances).forEach(function (c) { c.resize(); });
  });
})();

/* Saglam dashboard: draws each <canvas data-chart="ID"> from the JSON in <script id="ID">, with the
   vendored Chart.js. The page already holds every number in a table, so without JavaScript (or
   without this file) nothing is lost but the pictures. */
(function () {
  "use strict";

  // Colours told apart also by people with the common colour-vision deficiencies (Okabe-Ito);
  // series are also named in the legend and in the table, never by colour alone.
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

  function formatter(lang, money) {
    var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    var manat = new Intl.NumberFormat(lang, { style: "currency", currency: "AZN", maximumFractionDigits: 0 });
    return function (value) {
      return money ? manat.format(value) : number.format(value);
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var lang = document.documentElement.lang || "az";
    var format = formatter(lang, spec.money);
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: set.label,
        // money arrives in qəpik: charts speak manats
        data: set.data.map(function (v) { return v === null ? null : (spec.money ? v / 100 : v); }),
        backgroundColor: line ? colour + "33" : colour,
        borderColor: colour,
        borderWidth: line ? 2 : 0,
        borderDash: DASHES[i % DASHES.length],
        pointStyle: ["circle", "rect", "triangle", "rectRot"][i % 4],
        fill: line,
        tension: 0.2
      };
    });
    if (spec.horizontal) {
      // room for every label: a bar per row, and a group of bars per row when there are several
      var rows = spec.labels.length * Math.max(1, datasets.length);
      canvas.parentNode.style.height = Math.max(240, 60 + rows * 22) + "px";
    }
    var counts = !spec.money && spec.datasets.every(function (set) {
      return set.data.every(function (v) { return v === null || Number.isInteger(v); });
    });
    var valueAxis = {
      beginAtZero: true,
      // counts have no fractions: no tick at 0.5 facility
      ticks: { precision: counts ? 0 : undefined, callback: function (v) { return format(v); } }
    };
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: datasets.length > 1, labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var raw = spec.horizontal ? item.parsed.x : item.parsed.y;
                return item.dataset.label + ": " + format(raw);
              }
            }
          }
        },
        scales: spec.horizontal ? { x: valueAxis } : { y: valueAxis }
      }
    });
  }

  function drawAll() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();

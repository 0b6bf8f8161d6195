/* PSM charts: Chart.js (vendored) drawn from data the page hands over with Django's
   json_script, so no inline script is needed (strict Content-Security-Policy).

   <figure class="chart">
     <canvas data-chart="ID"></canvas>          the chart
     <script type="application/json" id="ID">   {"type", "labels", "datasets", "links", ...}
     <table>…</table>                           the same figures for screen readers
   </figure>

   A click on a bar or point opens links[index] (the evidence). Charts inside an element that
   htmx is about to swap are destroyed first, and new ones drawn when content loads. */
(function () {
  "use strict";
  var PALETTE = ["#2456a6", "#1d7a46", "#b86e00", "#7b3fa0", "#b3261e", "#0f766e"];

  function spec(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) return null;
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function draw(canvas) {
    if (!window.Chart || canvas.psmChart) return;
    var data = spec(canvas);
    if (!data) return;
    var datasets = data.datasets.map(function (set, i) {
      var colour = PALETTE[i % PALETTE.length];
      return Object.assign({
        borderColor: colour,
        backgroundColor: set.backgroundColor || colour,
        spanGaps: true,
        tension: 0.2,
        pointRadius: data.labels.length > 40 ? 0 : 3
      }, set);
    });
    var links = data.links || [];
    canvas.psmChart = new window.Chart(canvas, {
      type: data.type,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: datasets.length > 1 },
          title: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed.y;
                return ctx.dataset.label + ": " + (v === null ? "no data" : v + (data.unit || ""));
              }
            }
          }
        },
        scales: data.type === "doughnut" ? {} : {
          y: { beginAtZero: true, suggestedMax: data.yMax || undefined, max: data.yMax || undefined }
        },
        onHover: function (event, items) {
          canvas.style.cursor = items.length && links[items[0].index] ? "pointer" : "default";
        },
        onClick: function (event, items) {
          if (!items.length) return;
          var url = links[items[0].index];
          if (url) window.location.assign(url);
        }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  function destroyAll(root) {
    if (!root || !root.querySelectorAll) return;
    var canvases = Array.prototype.slice.call(root.querySelectorAll("canvas[data-chart]"));
    if (root.matches && root.matches("canvas[data-chart]")) canvases.push(root);
    canvases.forEach(function (canvas) {
      if (canvas.psmChart) {
        canvas.psmChart.destroy();
        canvas.psmChart = null;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    destroyAll(event.detail && event.detail.target);
  });
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
  window.psmCharts = { drawAll: drawAll, destroyAll: destroyAll };
})();

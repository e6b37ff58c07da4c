// The dashboard's charts, drawn with the vendored Chart.js from the figures the page carries in
// <script type="application/json" id="dashboard-data"> (no inline script under our CSP). The tables
// under each chart hold the same figures for screen readers and browsers without JavaScript.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = {
    villages: "#c62828", others: "#1565c0", overall: "#2e7d32",
    petition: "#6a1b9a", accident: "#ef6c00", "case": "#b71c1c", dispute: "#00838f", hazard: "#f9a825",
    found: "#ef6c00", resolved: "#2e7d32"
  };
  Chart.defaults.font.size = 14;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    canvas.parentElement.hidden = false;  // the boxes stay hidden without JavaScript: the tables show
    new Chart(canvas, config);
  }

  draw("chart-compliance", {
    type: "line",
    data: {
      labels: data.months,
      datasets: data.compliance.map(function (s) {
        return { label: s.name, data: s.values, borderColor: colours[s.key], backgroundColor: colours[s.key],
                 spanGaps: true, tension: 0 };
      })
    },
    options: { scales: { y: { suggestedMin: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } }
  });

  draw("chart-incidents", {
    type: "bar",
    data: {
      labels: data.months,
      datasets: data.incidents.map(function (s) {
        return { label: s.name, data: s.values, backgroundColor: colours[s.key] };
      })
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw("chart-problems", {
    type: "bar",
    data: {
      labels: data.problems.kinds,
      datasets: [
        { label: data.problems.names.found, data: data.problems.found, backgroundColor: colours.found },
        { label: data.problems.names.resolved, data: data.problems.resolved, backgroundColor: colours.resolved }
      ]
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  // With the charts drawn, their figures fold away under a "figures" summary (open without JavaScript).
  document.querySelectorAll("details[data-charts-close]").forEach(function (d) { d.open = false; });
})();

// Draws the dashboard's charts from the JSON the hub embedded in the page (#dashboard-data).
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  // Drawn at once, without animation: what the page shows is the data, also in a screenshot.
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  draw("regions", {
    type: "bar",
    data: {
      labels: data.regions.labels,
      datasets: [{ label: "在网窗口数", data: data.regions.counts, backgroundColor: "#1a73e8" }],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  for (const window of data.windows) {
    draw("services-" + window.id, {
      type: "bar",
      data: {
        labels: window.months,
        datasets: [{ label: "服务量", data: window.services, backgroundColor: "#12b886" }],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    draw("satisfaction-" + window.id, {
      type: "line",
      data: {
        labels: window.months,
        datasets: [{
          label: "满意度（%）", data: window.satisfaction, borderColor: "#f08c00",
          backgroundColor: "#f08c00", spanGaps: true,
        }],
      },
      options: { scales: { y: { min: 0, max: 100 } } },
    });
  }
  document.body.dataset.chartsReady = "true";
})();

// Live progress of a regrade job (teacher/regrade.html): ask for the job's counts every 2 s until it is
// finished. Only numbers and the page's own "finished" text (data-finished) are written, with textContent.
// A static file rather than an inline <script> so that the Content-Security-Policy can forbid inline code.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) { return; }
  var url = box.getAttribute("data-progress"), bar = document.getElementById("bar");
  var finishedText = box.getAttribute("data-finished");
  function tick() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        ["percent", "done", "failed", "queued", "running", "total"].forEach(function (name) {
          box.querySelector("[data-field=" + name + "]").textContent = String(data[name]);
        });
        bar.max = data.total || 1;
        bar.value = data.total ? data.done + data.failed : 1;
        if (data.finished) {
          if (finishedText) { box.querySelector("[data-field=state]").textContent = finishedText; }
          return;
        }
        setTimeout(tick, 2000);
      })
      .catch(function () { setTimeout(tick, 10000); });
  }
  setTimeout(tick, 2000);
})();

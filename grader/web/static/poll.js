// Live status of a submission: ask the server every 1.5 s until the grading is finished, then show the
// feedback in place (no page reload). Works without server-sent events so any proxy can serve it.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll]");
  if (!box) { return; }
  var url = box.getAttribute("data-poll"), delay = 1500;
  function tick() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (data.finished) {
          box.innerHTML = data.html;  // rendered by the server's templates, autoescaped there
          box.removeAttribute("data-poll");
          // "Received and queued" is no longer true once the result is on the page.
          document.querySelectorAll(".flash.queued").forEach(function (note) { note.remove(); });
          return;
        }
        var badge = box.querySelector(".badge");
        if (badge) { badge.textContent = data.label; badge.className = "badge " + data.status; }
        setTimeout(tick, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 15000); setTimeout(tick, delay); });
  }
  setTimeout(tick, delay);
})();

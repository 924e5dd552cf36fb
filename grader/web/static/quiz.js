// Drafts of the question form, saved on the server as the student answers (so a reload or another device
// finds them), and a submit button that sends once. Texts come from data attributes, in the page's language.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-draft-url");
  var status = form.querySelector("[data-draft-status]");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null, sending = false;

  function say(key) { if (status) { status.textContent = form.getAttribute("data-text-" + key) || ""; } }

  function collect() {
    var answers = {}, code = form.querySelector("textarea[name=code]");
    form.querySelectorAll("[name^='q-']").forEach(function (field) {
      var id = field.name.slice(2);
      if (field.type === "checkbox") {
        answers[id] = answers[id] || [];
        if (field.checked) { answers[id].push(field.value); }
      } else if (field.type === "radio") {
        if (field.checked) { answers[id] = field.value; }
      } else {
        answers[id] = field.value;
      }
    });
    return { code: code ? code.value : null, answers: answers };
  }

  function save() {
    timer = null;
    say("saving");
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(collect())
    }).then(function (r) { say(r.ok ? "saved" : "failed"); }, function () { say("failed"); });
  }

  function later() { if (timer) { clearTimeout(timer); } timer = setTimeout(save, 800); }

  // Enter in a one-line answer would send the whole exam half done; it only saves the draft.
  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key === "Enter" && field.tagName === "INPUT" && field.type === "text" && field.name.indexOf("q-") === 0) {
      event.preventDefault();
      later();
    }
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function (event) {
    // A second click while the first is on its way would be a second submission: send once.
    if (sending) { event.preventDefault(); return; }
    sending = true;
    if (timer) { clearTimeout(timer); timer = null; }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
}());

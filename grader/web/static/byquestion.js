// Grade by question from the keyboard: J/K (or the arrows) move between answers and put the cursor in the
// points field; Enter there submits the form (the field starts at the suggestion, so Enter accepts it).
// Without JavaScript every form still works with Tab and Enter.
(function () {
  "use strict";
  var list = document.querySelector("[data-by-question]");
  if (!list) { return; }
  var items = Array.prototype.slice.call(list.querySelectorAll("[data-answer]"));

  function current() {
    var active = document.activeElement;
    return items.findIndex(function (item) { return item.contains(active); });
  }

  function go(index) {
    if (index < 0 || index >= items.length) { return; }
    var field = items[index].querySelector("[data-points]");
    items[index].scrollIntoView({ block: "center" });
    if (field) { field.focus(); field.select(); }
  }

  document.addEventListener("keydown", function (event) {
    var typing = event.target && event.target.name === "reason";
    if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var next = event.key === "j" || event.key === "ArrowDown";
    var previous = event.key === "k" || event.key === "ArrowUp";
    if (!next && !previous) { return; }
    event.preventDefault();
    var at = current();
    go(at < 0 ? 0 : at + (next ? 1 : -1));
  });

  var focused = document.querySelector("[data-points][autofocus]");
  if (focused) { focused.focus(); focused.select(); }
}());

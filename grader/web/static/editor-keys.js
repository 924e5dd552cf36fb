// Keys of the code editor: Tab indents (every selected line when several are selected), Shift+Tab
// dedents, Enter keeps the current line's indentation (one level more after a line ending in ":"), and
// Esc then Tab leaves the editor, as the text under it says, so keyboard users are never trapped.
// Edits go through execCommand("insertText") where the browser has it, so Ctrl+Z still undoes them.
(function () {
  "use strict";
  var INDENT = "    ";

  function replace(area, start, end, text) {
    area.focus();
    area.setSelectionRange(start, end);
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      area.setRangeText(text, start, end, "end");
    }
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function lineStart(value, at) { return value.lastIndexOf("\n", at - 1) + 1; }

  function shiftLines(area, outdent) {
    var value = area.value, start = lineStart(value, area.selectionStart);
    var end = area.selectionEnd;
    if (end > start && value[end - 1] === "\n") { end -= 1; }
    var lines = value.slice(start, end).split("\n");
    var changed = lines.map(function (line) {
      if (!outdent) { return INDENT + line; }
      var spaces = line.match(/^ {0,4}/)[0].length;
      return line.slice(line[0] === "\t" ? 1 : spaces);
    });
    var text = changed.join("\n");
    replace(area, start, end, text);
    area.setSelectionRange(start, start + text.length);
  }

  function onKey(event) {
    var area = event.target;
    if (event.key === "Escape") { area.dataset.leaving = "1"; return; }
    if (event.key === "Tab" && area.dataset.leaving === "1") { delete area.dataset.leaving; return; }
    delete area.dataset.leaving;
    if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      var multi = area.value.slice(area.selectionStart, area.selectionEnd).indexOf("\n") >= 0;
      if (event.shiftKey || multi) { shiftLines(area, event.shiftKey); }
      else { replace(area, area.selectionStart, area.selectionEnd, INDENT); }
    } else if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
      var value = area.value, at = area.selectionStart;
      var line = value.slice(lineStart(value, at), at);
      var indent = line.match(/^[ \t]*/)[0] + (/:\s*(#.*)?$/.test(line) ? INDENT : "");
      event.preventDefault();
      replace(area, at, area.selectionEnd, "\n" + indent);
    }
  }

  document.querySelectorAll("[data-editor] textarea, textarea[data-code]").forEach(function (area) {
    area.addEventListener("keydown", onKey);
  });
}());

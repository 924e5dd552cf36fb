// A small Python editor: a transparent textarea over a highlighted copy of its text. Served by the app,
// no CDN. Without JavaScript the textarea works as a plain one.
(function () {
  "use strict";
  var KEYWORDS = /^(False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|finally|for|from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while|with|yield)$/;
  var TOKEN = /(#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)|(\b\d+(?:\.\d*)?(?:e[+-]?\d+)?\b)|([A-Za-z_]\w*)(?=\s*\()|([A-Za-z_]\w*)/g;

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(code) {
    var out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(code)) !== null) {
      out += escape(code.slice(last, m.index));
      var cls = m[1] ? "com" : m[2] ? "str" : m[3] ? "num" : m[4] ? (KEYWORDS.test(m[4]) ? "kw" : "fn")
              : KEYWORDS.test(m[5]) ? "kw" : null;
      out += cls ? '<span class="tok-' + cls + '">' + escape(m[0]) + "</span>" : escape(m[0]);
      last = TOKEN.lastIndex;
      if (m[0].length === 0) { TOKEN.lastIndex++; }
    }
    return out + escape(code.slice(last)) + "\n";
  }

  document.querySelectorAll("[data-editor]").forEach(function (box) {
    var area = box.querySelector("textarea"), view = box.querySelector("pre code"), pre = box.querySelector("pre");
    box.classList.add("js");
    function render() { view.innerHTML = highlight(area.value); pre.scrollTop = area.scrollTop; pre.scrollLeft = area.scrollLeft; }
    area.addEventListener("input", render);
    area.addEventListener("scroll", function () { pre.scrollTop = area.scrollTop; pre.scrollLeft = area.scrollLeft; });
    // Tab, Shift+Tab, Enter and Esc-then-Tab are handled by editor-keys.js, which fires "input" after each
    // edit, so the highlighted copy follows.
    render();
  });
})();

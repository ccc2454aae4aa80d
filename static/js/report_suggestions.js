// On the online report form: as the reader describes the matter, show the guides
// that may already answer it ("提交前看看这些指引"). POST keeps the typed text out
// of URLs and logs; links open in a new tab so nothing typed is lost.
(function () {
  "use strict";
  var box = document.querySelector("[data-report-suggestions]");
  var matter = document.querySelector("#id_matter");
  if (!box || !matter) return;
  var list = box.querySelector("ol");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var seq = 0;
  var lastText = "";

  function snippetNode(html) {
    // Inert parse; only <mark> survives, everything else becomes text.
    var holder = new DOMParser().parseFromString("<div>" + (html || "") + "</div>", "text/html").body.firstChild;
    var out = document.createElement("p");
    holder.childNodes.forEach(function (n) {
      if (n.nodeType === 1 && n.tagName === "MARK") {
        var m = document.createElement("mark");
        m.textContent = n.textContent;
        out.appendChild(m);
      } else {
        out.appendChild(document.createTextNode(n.textContent));
      }
    });
    return out;
  }

  function render(results) {
    list.innerHTML = "";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = r.title;
      li.appendChild(a);
      li.appendChild(document.createTextNode(box.dataset.newTab || ""));
      if (r.snippet) li.appendChild(snippetNode(r.snippet));
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }

  function refresh() {
    var text = matter.value.trim();
    if (text === lastText) return;
    lastText = text;
    if (text.length < 6) { render([]); return; }
    var mine = ++seq;
    var body = new URLSearchParams();
    body.append("text", text);
    fetch(box.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .catch(function () { return { results: [] }; })
      .then(function (data) { if (mine === seq) render(data.results || []); });
  }

  matter.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });
  refresh();
})();

// Precedent panel on the intake and case pages: as the matter is typed, ask the
// server for similar resolved cases and matching articles (and, on the case page,
// the triage suggestion). POST keeps the typed text out of URLs and access logs.
(function () {
  "use strict";
  var panel = document.querySelector("[data-precedent-panel]");
  if (!panel) return;
  var source = panel.dataset.source ? document.querySelector(panel.dataset.source) : null;
  var csrf = panel.querySelector("input[name=csrfmiddlewaretoken]");
  var list = panel.querySelector("[data-precedent-results]");
  var suggestBox = panel.querySelector("[data-suggestion]");
  var dupBox = panel.querySelector("[data-duplicates]");
  var timer = null;

  function text() {
    if (source) return source.value || source.textContent || "";
    return panel.dataset.text || "";
  }

  function post(url, extra) {
    var body = new URLSearchParams();
    body.append("text", text());
    if (panel.dataset.caseId) body.append("case", panel.dataset.caseId);
    Object.keys(extra || {}).forEach(function (k) { body.append(k, extra[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; });
  }

  function plain(html) {
    var div = document.createElement("div");
    div.innerHTML = html || "";
    return div.textContent;
  }

  function el(tag, textValue, cls) {
    var node = document.createElement(tag);
    if (textValue) node.textContent = textValue;
    if (cls) node.className = cls;
    return node;
  }

  function renderPrecedents(data) {
    list.innerHTML = "";
    var results = (data && data.results) || [];
    if (!results.length) { list.appendChild(el("li", panel.dataset.emptyText)); return; }
    results.forEach(function (item) {
      var li = el("li");
      var link = el("a", item.title);
      link.href = item.url;
      link.target = "_blank";
      li.appendChild(el("span", item.kind === "case" ? "案例" : "指引", "case-badge"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link);
      if (item.outcome) li.appendChild(el("small", " · " + item.outcome));
      if (item.snippet) li.appendChild(el("div", plain(item.snippet), "precedent-snippet"));
      if (item.matched_terms && item.matched_terms.length) {
        li.appendChild(el("small", "匹配：" + item.matched_terms.join("、")));
      }
      list.appendChild(li);
    });
  }

  function renderSuggestion(data) {
    if (!suggestBox) return;
    suggestBox.innerHTML = "";
    if (!data || !data.available || !data.suggestion) {
      suggestBox.textContent = (data && data.message) || "";
      return;
    }
    var s = data.suggestion;
    var parts = ["建议分类：" + s.classification_label + "（置信度 " + Math.round(s.confidence * 100) + "%）"];
    if (s.blocking_cause_label) parts.push("堵点：" + s.blocking_cause_label);
    if (s.department && s.department.name) parts.push("主办部门：" + s.department.name);
    suggestBox.appendChild(el("p", parts.join("；")));
    if (data.note) suggestBox.appendChild(el("small", data.note));
  }

  function renderDuplicates(data) {
    if (!dupBox) return;
    dupBox.innerHTML = "";
    ((data && data.results) || []).forEach(function (d) {
      dupBox.appendChild(el("li", d.tracking_number + "：" + d.reason));
    });
  }

  function refresh() {
    if (text().trim().length < 4) return;
    post(panel.dataset.precedentsUrl).then(renderPrecedents);
    if (suggestBox && panel.dataset.suggestUrl) post(panel.dataset.suggestUrl).then(renderSuggestion);
    if (dupBox && panel.dataset.duplicatesUrl) {
      var phone = document.querySelector("#id_reporter_phone");
      post(panel.dataset.duplicatesUrl, { phone: phone ? phone.value : "" }).then(renderDuplicates);
    }
  }

  if (source && source.tagName && /TEXTAREA|INPUT/.test(source.tagName)) {
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    });
  }
  refresh();
})();

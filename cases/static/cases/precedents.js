// Precedent panel on the intake and case pages: as the matter is typed, ask the
// server for similar resolved cases and matching articles (and the triage
// suggestion, and possible duplicates). POST keeps the typed text out of URLs and
// access logs. On a case page, each article gets one-click buttons that post the
// case page's own "link" / "quote" actions (plain forms, no extra endpoint).
function banchengPrecedentPanel() {
  "use strict";
  var panel = document.querySelector("[data-precedent-panel]");
  if (!panel) return;
  var source = panel.dataset.source ? document.querySelector(panel.dataset.source) : null;
  // On the intake form the panel sits inside the form and uses the form's token.
  var csrf = panel.querySelector("input[name=csrfmiddlewaretoken]") ||
    (panel.closest("form") || document).querySelector("input[name=csrfmiddlewaretoken]");
  var list = panel.querySelector("[data-precedent-results]");
  var suggestBox = panel.querySelector("[data-suggestion]");
  var dupBox = panel.querySelector("[data-duplicates]");
  var actions = (panel.dataset.actions || "").split(" ").filter(Boolean);
  var ACTION_LABELS = { link_article: "这篇指引解决了", quote_article: "引用办理步骤" };
  var timer = null;
  var seq = 0;

  function text() {
    if (source) return source.value || source.textContent || "";
    return panel.dataset.text || "";
  }

  function post(url, extra) { return postWith(text(), url, extra); }

  function postWith(value, url, extra) {
    var body = new URLSearchParams();
    body.append("text", value);
    if (panel.dataset.caseId) body.append("case", panel.dataset.caseId);
    Object.keys(extra || {}).forEach(function (k) { body.append(k, extra[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .catch(function () { return { results: [] }; });
  }

  function el(tag, textValue, cls) {
    var node = document.createElement(tag);
    if (textValue) node.textContent = textValue;
    if (cls) node.className = cls;
    return node;
  }

  // The engine's snippet is escaped text with <mark> around matches: rebuild it
  // node by node so only <mark> survives.
  function snippetNode(html) {
    // DOMParser builds an inert document: nothing in it loads or runs.
    var holder = new DOMParser().parseFromString("<div>" + (html || "") + "</div>", "text/html").body.firstChild;
    var out = el("div", "", "precedent-snippet");
    holder.childNodes.forEach(function (n) {
      if (n.nodeType === 1 && n.tagName === "MARK") out.appendChild(el("mark", n.textContent));
      else out.appendChild(document.createTextNode(n.textContent));
    });
    return out;
  }

  function actionForm(action, pageId) {
    var form = el("form", "", "precedent-action");
    form.method = "post";
    form.setAttribute("data-case-action-form", "");
    form.action = "";
    [["csrfmiddlewaretoken", csrf ? csrf.value : ""], ["action", action], [action + "-page", pageId],
     ["version", panel.dataset.version || ""]].forEach(function (kv) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = kv[0]; input.value = kv[1];
      form.appendChild(input);
    });
    var button = el("button", ACTION_LABELS[action], "button button-small button-secondary");
    button.type = "submit";
    form.appendChild(button);
    return form;
  }

  function renderPrecedents(data) {
    // The intake form's "type the matter first" hint has done its job once answers come.
    var hint = panel.querySelector("[data-precedent-hint]");
    if (hint) hint.hidden = true;
    list.innerHTML = "";
    var results = (data && data.results) || [];
    if (!results.length) { list.appendChild(el("li", panel.dataset.emptyText)); return; }
    results.forEach(function (item) {
      var li = el("li");
      li.dataset.kind = item.kind;
      var link = el("a", item.title);
      link.href = item.url;
      link.target = "_blank";
      li.appendChild(el("span", item.kind === "case" ? "案例" : "指引", "case-badge"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link);
      if (item.classification) li.appendChild(el("small", " · " + item.classification));
      if (item.outcome) li.appendChild(el("small", " · " + item.outcome));
      if (item.snippet) li.appendChild(snippetNode(item.snippet));
      if (item.matched_terms && item.matched_terms.length) {
        li.appendChild(el("small", "相同词语：" + item.matched_terms.join("、"), "precedent-reason"));
      }
      (item.articles || []).forEach(function (a) {
        var p = el("div", "", "precedent-article");
        p.appendChild(document.createTextNode("解决该案的指引："));
        var al = el("a", a.title);
        al.href = a.url; al.target = "_blank";
        p.appendChild(al);
        li.appendChild(p);
      });
      if (item.kind !== "case") {
        actions.forEach(function (action) { li.appendChild(actionForm(action, item.id)); });
      }
      list.appendChild(li);
    });
  }

  function applySuggestion(s) {
    // Fills the triage form only when the 研判员 clicks; saving stays a separate step.
    var cls = document.querySelector("#id_triage-classification");
    var cause = document.querySelector("#id_triage-blocking_cause");
    var lead = document.querySelector("#id_dispatch-lead_department");
    if (cls && s.classification) cls.value = s.classification;
    if (cause && s.blocking_cause) cause.value = s.blocking_cause;
    if (lead && s.department && s.department.id) lead.value = String(s.department.id);
    var details = document.querySelector("#action-triage");
    if (details) details.open = true;
  }

  // On the intake form the catalogue routing needs the item and place chosen so far.
  function intakeChoices() {
    var out = {};
    // The counter's answer (未办成原因) weighs in the blocking-cause suggestion.
    ["service_item", "hall", "district", "counter_failure_reason"].forEach(function (name) {
      var field = document.querySelector("#id_" + name);
      if (field && field.value) out[name] = field.value;
    });
    return out;
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
    if (s.blocking_cause_label) parts.push("堵点：" + s.blocking_cause_label + "（" + Math.round((s.cause_confidence || 0) * 100) + "%）");
    if (s.department && s.department.name) {
      parts.push("主办部门：" + s.department.name + (s.department.source === "catalogue"
        ? "（" + s.department.reason + "）"
        : "（" + Math.round((s.department_confidence || 0) * 100) + "%）"));
    }
    suggestBox.appendChild(el("p", parts.join("；")));
    if (s.department && s.department.note) suggestBox.appendChild(el("p", s.department.note, "help-warning"));
    if (s.reasons && s.reasons.length) suggestBox.appendChild(el("small", "依据：" + s.reasons.join("、")));
    if (data.note) suggestBox.appendChild(el("p", data.note));
    if (document.querySelector("#id_triage-classification")) {
      var b = el("button", "填入研判表单（需确认后保存）", "button button-small button-secondary");
      b.type = "button";
      b.addEventListener("click", function () { applySuggestion(s); });
      suggestBox.appendChild(b);
    }
  }

  // Possible duplicates come from two questions: by the reporter's identifiers (asked when
  // they change, so a matter typed letter by letter does not re-send the phone) and by the
  // matter's text (asked as it is typed). Both answers are shown together, one line a case.
  var dupAnswers = { ids: [], text: [] };
  var mergeField = document.querySelector("#id_merge_into");
  var saveButton = document.querySelector("[data-intake-save]");
  var saveLabel = saveButton ? saveButton.textContent : "";

  function chooseMerge(d) {
    if (!mergeField) return;
    mergeField.value = d ? String(d.id) : "";
    if (saveButton) saveButton.textContent = d ? "登记并并入 " + d.tracking_number + "（并单）" : saveLabel;
    renderDuplicates();
  }

  function renderDuplicates() {
    if (!dupBox) return;
    dupBox.innerHTML = "";
    var byId = {};
    var order = [];
    dupAnswers.ids.concat(dupAnswers.text).forEach(function (d) {
      if (!byId[d.id]) { byId[d.id] = { id: d.id, tracking_number: d.tracking_number, url: d.url, reasons: [] }; order.push(d.id); }
      if (byId[d.id].reasons.indexOf(d.reason) < 0) byId[d.id].reasons.push(d.reason);
    });
    if (!order.length) return;
    dupBox.appendChild(el("li", "可能重复的案件（30 天内）：", "duplicates-heading"));
    order.forEach(function (id) {
      var d = byId[id];
      var li = el("li");
      li.dataset.caseId = id;
      var link = el("a", d.tracking_number);
      link.href = d.url; link.target = "_blank"; link.rel = "noopener";
      li.appendChild(link);
      li.appendChild(document.createTextNode("：" + d.reasons.join("；") + " "));
      if (mergeField) {
        var chosen = mergeField.value === String(id);
        var b = el("button", chosen ? "取消并单" : "并单", "button button-small button-secondary");
        b.type = "button";
        b.addEventListener("click", function () { chooseMerge(chosen ? null : d); });
        li.appendChild(b);
        if (chosen) li.appendChild(el("p", "保存时本次反映将登记并并入 " + d.tracking_number + "。", "help-block"));
      }
      dupBox.appendChild(li);
    });
  }

  function identifiers() {
    var out = {};
    [["phone", "#id_reporter_phone"], ["id_number", "#id_reporter_id_number"], ["credit_code", "#id_credit_code"]]
      .forEach(function (pair) {
        var field = document.querySelector(pair[1]);
        var value = field ? field.value.trim() : "";
        // Half-typed numbers would only spend the check limit.
        if (value.replace(/\D/g, "").length >= 7 || (pair[0] === "credit_code" && value.length >= 18)) out[pair[0]] = value;
      });
    return out;
  }

  var idSeq = 0;
  var lastIds = "";
  function refreshIdentifiers() {
    if (!dupBox || !panel.dataset.duplicatesUrl) return;
    var ids = identifiers();
    var key = JSON.stringify(ids);
    if (key === lastIds) return;
    lastIds = key;
    var mine = ++idSeq;
    if (!Object.keys(ids).length) { dupAnswers.ids = []; renderDuplicates(); return; }
    postWith("", panel.dataset.duplicatesUrl, ids).then(function (data) {
      if (mine !== idSeq) return;
      dupAnswers.ids = (data && data.results) || [];
      renderDuplicates();
    });
  }

  function refresh() {
    if (text().trim().length < 4) return;
    var mine = ++seq;
    // Drop answers to older keystrokes so a slow reply cannot overwrite a newer one.
    function latest(render) { return function (data) { if (mine === seq) render(data); }; }
    post(panel.dataset.precedentsUrl).then(latest(renderPrecedents));
    if (suggestBox && panel.dataset.suggestUrl) post(panel.dataset.suggestUrl, intakeChoices()).then(latest(renderSuggestion));
    if (dupBox && panel.dataset.duplicatesUrl) {
      post(panel.dataset.duplicatesUrl).then(latest(function (data) {
        dupAnswers.text = (data && data.results) || [];
        renderDuplicates();
      }));
    }
  }

  ["#id_reporter_phone", "#id_reporter_id_number", "#id_credit_code"].forEach(function (selector) {
    var field = document.querySelector(selector);
    if (!field || !dupBox) return;
    var idTimer = null;
    field.addEventListener("change", refreshIdentifiers);
    field.addEventListener("input", function () { clearTimeout(idTimer); idTimer = setTimeout(refreshIdentifiers, 800); });
  });

  ["#id_service_item", "#id_hall", "#id_district", "#id_counter_failure_reason"].forEach(function (selector) {
    var field = document.querySelector(selector);
    if (field && source) field.addEventListener("change", refresh);
  });
  if (source && source.tagName && /TEXTAREA|INPUT/.test(source.tagName)) {
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    });
  }
  refresh();
  refreshIdentifiers();
  if (mergeField && mergeField.value && saveButton) saveButton.textContent = "登记并并单";
}
banchengPrecedentPanel();
// The case page swaps its content in place after an action: set the new panel up again.
document.addEventListener("bancheng:case-desk-updated", banchengPrecedentPanel);

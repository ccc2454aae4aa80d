// Case page: every action form saves in place. The form is posted with fetch; the
// server answers as it would a plain post (the case page, or the page with the
// form's errors), and the case desk part of that page replaces the current one,
// so the timeline, the state and the next expected step update without a reload
// and the reader stays where they were. Without JavaScript the forms post as usual.
// Registered as a Stimulus controller on Wagtail's own application.
(function () {
  "use strict";

  function swapMessages(doc) {
    var current = document.querySelector(".messages ul");
    var fresh = doc.querySelector(".messages ul");
    if (current && fresh) {
      current.innerHTML = fresh.innerHTML;
      var box = current.closest(".messages");
      if (box) box.classList.add("new", "appear");
    }
  }

  function showError(form, text) {
    var box = form.querySelector("[data-fetch-error]");
    if (!box) {
      box = document.createElement("div");
      box.className = "help-block help-critical";
      box.setAttribute("role", "alert");
      box.setAttribute("data-fetch-error", "");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;
  }

  async function submit(form, submitter) {
    var desk = form.closest("[data-case-desk]") || document.querySelector("[data-case-desk]");
    var details = form.closest("details[data-action-name]");
    var actionName = details ? details.dataset.actionName : "";
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    var response;
    try {
      response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      });
    } catch (err) {
      buttons.forEach(function (b) { b.disabled = false; });
      showError(form, "网络连接失败，未保存，请稍后重试。");
      return;
    }
    var here = window.location.pathname;
    var next = response.headers.get("X-Case-Desk-Location");
    if (next) {
      window.location.assign(next);  // a drafted article opens in the page editor
      return;
    }
    if (response.redirected && new URL(response.url).pathname !== here) {
      window.location.assign(response.url);  // e.g. a drafted article opens in the page editor
      return;
    }
    var text = await response.text();
    var doc = new DOMParser().parseFromString(text, "text/html");
    var fresh = doc.querySelector("[data-case-desk]");
    if (!fresh || !desk) {
      buttons.forEach(function (b) { b.disabled = false; });
      showError(form, (doc.body && doc.body.textContent.trim().slice(0, 200)) || "未保存，请刷新后重试。");
      return;
    }
    var scrollY = window.scrollY;
    desk.replaceWith(fresh);
    swapMessages(doc);
    window.scrollTo(0, scrollY);
    document.dispatchEvent(new CustomEvent("bancheng:case-desk-updated", { detail: { action: actionName, ok: response.ok } }));
    // Keep the keyboard where the work continues: the form with errors, or the next step.
    var target = response.ok
      ? fresh.querySelector(".case-action--next summary")
      : fresh.querySelector('details[data-action-name="' + actionName + '"] summary');
    if (target) target.focus({ preventScroll: true });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-case-action-form")) return;
    event.preventDefault();
    submit(form, event.submitter);
  }

  var Stimulus = window.StimulusModule;
  var app = window.wagtail && window.wagtail.app;
  if (Stimulus && app) {
    app.register("case-actions", class extends Stimulus.Controller {
      connect() { this.handler = onSubmit; this.element.addEventListener("submit", this.handler); }
      disconnect() { this.element.removeEventListener("submit", this.handler); }
    });
  } else {
    document.addEventListener("submit", onSubmit);
  }
})();

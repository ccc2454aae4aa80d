/* Long reads for the learned ranking: when a reader opened this page from a search result
   (the search page is the referrer: /search/click/ redirects keep it) and the page stays
   visible for data-read-seconds of visible time (Page Visibility API: a hidden tab does not
   count), send one beacon with the query and this page's search key. The server counts it
   only against that reader's own click. Nothing is stored in the browser. No dependencies. */
(function () {
  "use strict";
  var ENDPOINT = "/search/read/";
  var holder = document.querySelector("[data-search-doc]");
  if (!holder || !navigator.sendBeacon || !window.URLSearchParams || !document.referrer) return;
  var doc = holder.getAttribute("data-search-doc");
  var needMs = (parseFloat(holder.getAttribute("data-read-seconds")) || 30) * 1000;
  var from;
  try { from = new URL(document.referrer); } catch (e) { return; }
  if (from.origin !== window.location.origin || from.pathname !== "/search/") return;
  var q = from.searchParams.get("q");
  if (!doc || !q) return;

  var visibleMs = 0;
  var since = null;
  var timer = null;
  var sent = false;

  function now() { return window.performance ? performance.now() : Date.now(); }

  function pause() {
    if (since !== null) { visibleMs += now() - since; since = null; }
    if (timer !== null) { clearTimeout(timer); timer = null; }
  }

  function check() {
    timer = null;
    pause();
    if (visibleMs >= needMs) {
      sent = true;
      document.removeEventListener("visibilitychange", onVisibility);
      navigator.sendBeacon(ENDPOINT, new URLSearchParams({ q: q, doc: doc }));
      return;
    }
    resume();
  }

  function resume() {
    if (sent || document.visibilityState !== "visible") return;
    since = now();
    timer = setTimeout(check, Math.max(0, needMs - visibleMs) + 50);
  }

  function onVisibility() {
    if (document.visibilityState === "visible") { if (since === null) resume(); } else { pause(); }
  }

  document.addEventListener("visibilitychange", onVisibility);
  resume();
})();

/* The facet panel on /search/ is open on wide screens and folded on phones
   (kept out of the page itself: the public pages' Content-Security-Policy allows no inline script). */
(function () {
  "use strict";
  var facets = document.getElementById("search-facets");
  if (!facets || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function sync() { facets.open = wide.matches; }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync);
})();

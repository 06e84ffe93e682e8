/* Frontdesk loader: <script src="https://DESK/static/embed.js" data-site="SITE_KEY" async>
   (data-lang, data-form, data-title). Frontdesk.open(form), .setLanguage(lang), .on(type, fn)
   for "ready", "resize", "submitted", "draft-saved" (no personal data). docs/embedding.md */
(function (w, d) {
  var s = d.currentScript;
  if (!s || !s.dataset.site) return;
  var base = new URL(s.src).origin, o = s.dataset, lang = o.lang || "", form = o.form || "";
  // page: 0 nothing yet, 1 loaded and greeted, 2 ready (it answered). asked: the language
  // setLanguage() wants, until a page in the frame takes it on.
  var f = d.createElement("iframe"), fns = {}, loads = 0, page = 0, switching = 0, asked = "";
  f.title = o.title || "Frontdesk";
  f.style.cssText = "width:100%;border:0;display:block;height:480px";
  f.setAttribute("allow", "clipboard-write");
  function go() {
    asked = "";
    clearTimeout(switching);
    f.src = base + "/w/" + encodeURIComponent(o.site) + "/?" +
      new URLSearchParams({ lang: lang, form: form });
  }
  function later(ms, fn) { clearTimeout(switching); switching = setTimeout(fn, ms); }
  // What a fixed header of the host covers on top (0 if it is scroll-padding, kept clear anyway).
  function covered() {
    if (parseFloat(getComputedStyle(d.documentElement).scrollPaddingTop) > 0) return 0;
    var r = f.getBoundingClientRect();
    for (var el = d.elementFromPoint(r.left + r.width / 2, 1); el && el !== d.body; el = el.parentElement) {
      if (/fixed|sticky/.test(getComputedStyle(el).position) && !el.contains(f))
        return Math.min(w.innerHeight / 2, el.getBoundingClientRect().bottom);
    }
    return 0;
  }
  // The page is asked first (a form switches by posting itself, keeping what was typed). A
  // page being replaced loses the question, so it stands until a page answers; only a page
  // that stays silent for a second is loaded anew.
  function ask() {
    var at = loads;
    later(1000, function () { if (loads === at) go(); });
    f.contentWindow.postMessage({ frontdesk: "language", lang: asked }, base);
  }
  // Each page is greeted: it learns which origin may hear it, and whether it is the first
  // (which must not scroll the host page).
  f.addEventListener("load", function () {
    page = 1;
    loads += 1;
    if (asked) later(1000, go);  // a page that never answers the greeting
    f.contentWindow.postMessage({ frontdesk: "hello", loads: loads }, base);
  });
  w.addEventListener("message", function (e) {
    var m = e.data;
    if (e.source !== f.contentWindow || e.origin !== base || !m || m.frontdesk !== 1) return;
    if (m.type === "language") { asked = ""; clearTimeout(switching); return; }  // it switches
    // On its way elsewhere (a form sent, a link followed): ask the next page, or this again.
    if (m.type === "busy") { later(2000, function () { if (asked && page === 2) ask(); }); return; }
    if (m.type === "ready") {
      page = 2;
      if (asked) ask();
    }
    if (m.type === "scroll") {
      // After a move inside, bring the widget's top (or m.top, the part that matters, if lower)
      // into the upper half, below a header; scrollIntoView also scrolls a pane the page
      // scrolls in. The margin shifts the point it brings up.
      var h = w.innerHeight / 2, down = m.top > h ? +m.top : 0, cover = covered(),
        y = f.getBoundingClientRect().top + down;
      if (loads > 1 && (y < cover || y > h)) {
        f.style.scrollMarginTop = cover - down + "px";
        f.scrollIntoView({ behavior:
          w.matchMedia("(prefers-reduced-motion: reduce)").matches ? "instant" : "smooth" });
        f.style.scrollMarginTop = "";
      }
      return;
    }
    if (m.height > 0) f.style.height = m.height + "px";
    (fns[m.type] || []).forEach(function (fn) { fn({ type: m.type, height: m.height }); });
  });
  go();
  s.parentNode.insertBefore(f, s.nextSibling);
  w.Frontdesk = {
    frame: f,
    open: function (slug) { form = slug || ""; go(); },
    // Before the first page: in its address; a page still loading is asked once ready.
    setLanguage: function (l) {
      lang = asked = l;
      if (!loads) return go();
      if (page === 2) ask();
      else if (page === 1) later(1000, go);  // a page that never answers the greeting
    },
    on: function (t, fn) { (fns[t] = fns[t] || []).push(fn); }
  };
})(window, document);

/* Frontdesk loader. On the host page:
   <script src="https://DESK/static/embed.js" data-site="SITE_KEY" async></script>
   Options: data-lang (en|vi|fa|ru), data-form (a form's slug), data-title.
   API: Frontdesk.open(formSlug), Frontdesk.setLanguage(lang), Frontdesk.on(type, fn)
   with type "ready", "resize", "submitted" or "draft-saved" (events carry no personal data). */
(function (w, d) {
  var s = d.currentScript;
  if (!s || !s.dataset.site) return;
  var base = new URL(s.src).origin, o = s.dataset, lang = o.lang || "", form = o.form || "";
  // page: what the frame holds: 0 nothing yet, 1 loaded and greeted, 2 ready (it answered the
  // greeting). asked: the language setLanguage() wants, until a page in the frame takes it on.
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
  // The page in the frame is asked first: a form switches by posting itself, so that what was
  // typed and attached stays. The question may reach a page that is being replaced (and is
  // lost), so it stands until a page answers: the next page is asked when ready, and only a
  // page that stays and keeps silent for a second is loaded anew.
  function ask() {
    var at = loads;
    later(1000, function () { if (loads === at) go(); });
    f.contentWindow.postMessage({ frontdesk: "language", lang: asked }, base);
  }
  // Each page the frame loads gets a greeting, so it learns which origin may hear from it, and
  // whether it is the frame's first page (which must not scroll the host page).
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
    // The page is on its way elsewhere (a form sent, a link followed): the next page is asked
    // when ready, or this one again in a while if it stays.
    if (m.type === "busy") { later(2000, function () { if (asked && page === 2) ask(); }); return; }
    if (m.type === "ready") {
      page = 2;
      if (asked) ask();
    }
    if (m.type === "scroll") {
      // After a move inside the widget, show its top, or the part that matters (m.top: its
      // offset in the frame) if that lies further down, unless it is already in the upper half.
      var h = w.innerHeight / 2, y = f.getBoundingClientRect().top + (m.top > h ? +m.top : 0);
      if (loads > 1 && (y < 0 || y > h)) {
        w.scrollTo({ top: w.scrollY + y, behavior:
          w.matchMedia("(prefers-reduced-motion: reduce)").matches ? "instant" : "smooth" });
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
    // Before the frame's first page the language goes into its address; a page still loading
    // is asked once it is ready.
    setLanguage: function (l) {
      lang = asked = l;
      if (!loads) return go();
      if (page === 2) ask();
      else if (page === 1) later(1000, go);  // a page that never answers the greeting
    },
    on: function (t, fn) { (fns[t] = fns[t] || []).push(fn); }
  };
})(window, document);

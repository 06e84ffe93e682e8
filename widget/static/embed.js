/* Frontdesk loader. On the host page:
   <script src="https://DESK/static/embed.js" data-site="SITE_KEY" async></script>
   Options: data-lang (en|vi|fa|ru), data-form (a form's slug), data-title.
   API: Frontdesk.open(formSlug), Frontdesk.setLanguage(lang), Frontdesk.on(type, fn)
   with type "ready", "resize", "submitted" or "draft-saved" (events carry no personal data). */
(function (w, d) {
  var s = d.currentScript;
  if (!s || !s.dataset.site) return;
  var base = new URL(s.src).origin, o = s.dataset, lang = o.lang || "", form = o.form || "";
  var f = d.createElement("iframe"), fns = {}, loads = 0, ready = false, switching = 0;
  f.title = o.title || "Frontdesk";
  f.style.cssText = "width:100%;border:0;display:block;height:480px";
  f.setAttribute("allow", "clipboard-write");
  function go() {
    f.src = base + "/w/" + encodeURIComponent(o.site) + "/?" +
      new URLSearchParams({ lang: lang, form: form });
  }
  // Each page the frame loads gets a greeting, so it learns which origin may hear from it, and
  // whether it is the frame's first page (which must not scroll the host page).
  f.addEventListener("load", function () {
    ready = false;
    f.contentWindow.postMessage({ frontdesk: "hello", loads: ++loads }, base);
  });
  w.addEventListener("message", function (e) {
    var m = e.data;
    if (e.source !== f.contentWindow || e.origin !== base || !m || m.frontdesk !== 1) return;
    if (m.type === "language") { clearTimeout(switching); return; }  // the page switches itself
    if (m.type === "ready") ready = true;
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
    // The page in the frame is asked first: a form switches by posting itself, so that what
    // was typed and attached stays. A page that does not answer at once is loaded anew.
    setLanguage: function (l) {
      lang = l;
      if (!ready) return go();
      clearTimeout(switching);
      switching = setTimeout(go, 1000);
      f.contentWindow.postMessage({ frontdesk: "language", lang: l }, base);
    },
    on: function (t, fn) { (fns[t] = fns[t] || []).push(fn); }
  };
})(window, document);

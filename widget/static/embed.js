/* Frontdesk loader. On the host page:
   <script src="https://DESK/static/embed.js" data-site="SITE_KEY" async></script>
   Options: data-lang (en|vi|fa|ru), data-form (a form's slug), data-title.
   API: Frontdesk.open(formSlug), Frontdesk.setLanguage(lang), Frontdesk.on(type, fn)
   with type "ready", "resize", "submitted" or "draft-saved" (events carry no personal data). */
(function (w, d) {
  var s = d.currentScript;
  if (!s || !s.dataset.site) return;
  var base = new URL(s.src).origin, o = s.dataset, lang = o.lang || "", form = o.form || "";
  var f = d.createElement("iframe"), fns = {};
  f.title = o.title || "Frontdesk";
  f.style.cssText = "width:100%;border:0;display:block;height:480px";
  f.setAttribute("allow", "clipboard-write");
  function go() {
    f.src = base + "/w/" + encodeURIComponent(o.site) + "/?" +
      new URLSearchParams({ lang: lang, form: form });
  }
  // Each page the frame loads gets a greeting, so it learns which origin may hear from it.
  f.addEventListener("load", function () { f.contentWindow.postMessage({ frontdesk: "hello" }, base); });
  w.addEventListener("message", function (e) {
    var m = e.data;
    if (e.source !== f.contentWindow || e.origin !== base || !m || m.frontdesk !== 1) return;
    if (m.height > 0) f.style.height = m.height + "px";
    (fns[m.type] || []).forEach(function (fn) { fn({ type: m.type, height: m.height }); });
  });
  go();
  s.parentNode.insertBefore(f, s.nextSibling);
  w.Frontdesk = {
    frame: f,
    open: function (slug) { form = slug || ""; go(); },
    setLanguage: function (l) { lang = l; go(); },
    on: function (t, fn) { (fns[t] = fns[t] || []).push(fn); }
  };
})(window, document);

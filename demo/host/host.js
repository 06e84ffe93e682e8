// The host page's own use of the loader's API: buttons that steer the widget, a log of events.
(function () {
  function ready(fn) { if (window.Frontdesk) { fn(); } else { setTimeout(function () { ready(fn); }, 50); } }
  ready(function () {
    var log = document.getElementById("host-log");
    ["ready", "submitted", "draft-saved"].forEach(function (type) {
      window.Frontdesk.on(type, function (event) { log.textContent = "Widget event: " + event.type; });
    });
    document.querySelectorAll("[data-form]").forEach(function (button) {
      button.addEventListener("click", function () { window.Frontdesk.open(button.dataset.form); });
    });
    document.querySelectorAll("[data-lang]").forEach(function (button) {
      button.addEventListener("click", function () { window.Frontdesk.setLanguage(button.dataset.lang); });
    });
  });
})();

/* Frontdesk widget page script: talks to the host page's loader, keeps the iframe sized to the
   content, posts a code found in the URL fragment, guards against double submits, and moves
   focus to errors. No dependencies; everything still works without it. */
(function () {
  "use strict";
  var body = document.body;
  var allowed = (body.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var hostOrigin = null;

  function tell(message) {
    if (hostOrigin && window.parent !== window) {
      message.frontdesk = 1;
      window.parent.postMessage(message, hostOrigin);
    }
  }

  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  // The loader greets every page it frames; answer only a known origin and our own parent.
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0 || data.frontdesk !== "hello") {
      return;
    }
    hostOrigin = event.origin;
    tell({ type: "ready", height: height() });
    var hostEvent = body.getAttribute("data-host-event");
    if (hostEvent) { tell({ type: hostEvent }); }  // carries no code and no personal data
  });

  if (window.ResizeObserver) {
    new ResizeObserver(function () { tell({ type: "resize", height: height() }); })
      .observe(document.documentElement);
  }

  // A code in the fragment (#7K3M-...) never reaches a server by itself: post it, then forget it.
  var codeForm = document.querySelector("form[data-fragment-code]");
  var fragment = decodeURIComponent(window.location.hash.slice(1));
  if (codeForm && fragment) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
    codeForm.querySelector("input[name=code]").value = fragment;
    codeForm.submit();
  }

  // Forms post once: later clicks are ignored while the first one is on its way.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      var clicked = event.submitter;
      if (clicked && clicked.name) {  // keep which button was pressed once buttons are disabled
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = clicked.name; hidden.value = clicked.value;
        form.appendChild(hidden);
      }
      setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
          button.disabled = true; button.setAttribute("aria-disabled", "true");
        });
      }, 0);
    });
  });

  // After a refused post, put the person on the first answer to correct (the summary above it
  // is an alert, so screen readers announce the list of problems too).
  var firstError = document.querySelector(".has-error input, .has-error textarea, .code-form [aria-invalid=true]");
  var summary = document.getElementById("error-summary");
  if (firstError) { firstError.focus(); } else if (summary) { summary.focus(); }

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

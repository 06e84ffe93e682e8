/* Back office page script: focus what the page has to say (an error, a confirmation), post
   forms once, print buttons. No dependencies; every page works without it. */
(function () {
  "use strict";
  // A key or secret shown once comes first: it is what the page is for.
  var first = document.getElementById("one-time-secret") || document.getElementById("error-summary") ||
    document.getElementById("flash");
  if (first) { first.focus(); }

  var once = document.querySelectorAll("form[data-submit-once]");
  Array.prototype.forEach.call(once, function (form) {
    form.addEventListener("submit", function (event) {
      // A button that sends the form into a frame (the theme preview) leaves the page as it is.
      if (event.submitter && event.submitter.getAttribute("formtarget")) { return; }
      if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
    });
  });
  // A page restored by the Back button may post again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(once, function (form) { form.removeAttribute("data-sending"); });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

/* The copy buttons beside an embedding site's snippets: without script (or without the
   clipboard) they stay hidden and the snippet is selected and copied by hand. */
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    var done = document.querySelector('[data-copied="' + id + '"]');
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        if (done) { done.hidden = false; }
      });
    });
  });
})();

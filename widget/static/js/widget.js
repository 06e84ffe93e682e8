/* Frontdesk widget page script: talks to the host page's loader, keeps the iframe sized to the
   content, posts a code found in the URL fragment, guards against double submits, and moves
   focus (and, through the loader, the host page) to what a navigation changed. No dependencies;
   everything still works without it. */
(function () {
  "use strict";
  var body = document.body;
  var allowed = (body.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var hostOrigin = null;
  var framed = window.parent !== window;

  // What this page is about, when it follows a post or a code: the list of answers to correct
  // (its links lead to each answer), else the one answer to correct, else what the page marks
  // with data-arrival (the receipt's heading, the saved draft's notice, a notice). A first page
  // has none of these, so opening the widget moves nothing.
  var arrival = document.getElementById("error-summary") ||
    document.querySelector(".has-error input, .has-error textarea, .code-form [aria-invalid=true]") ||
    document.querySelector("[data-arrival]");
  // In a frame the loader scrolls the host page (gently, unless motion is reduced): focus must
  // not jump it first.
  if (arrival) { arrival.focus(framed ? { preventScroll: true } : undefined); }

  // Where the host page should bring into view: the arrival's block, else the widget's top.
  function arrivalTop() {
    var block = arrival && (arrival.closest(".field") || arrival);
    return block ? Math.max(0, Math.round(block.getBoundingClientRect().top + window.scrollY)) : 0;
  }

  function tell(message) {
    if (hostOrigin && framed) {
      message.frontdesk = 1;
      window.parent.postMessage(message, hostOrigin);
    }
  }

  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  // The host page's setLanguage(): this page in that language, through its own language
  // switch (on a form page a button that posts the form, keeping what was typed and attached).
  function switchLanguage(lang) {
    var target = document.querySelector(".languages [data-language='" + String(lang).replace(/[^a-z-]/g, "") + "']");
    if (!target) { return false; }
    if (target.tagName === "A") { leave(); window.location.href = target.href; } else { target.click(); }
    return true;
  }

  // A link followed inside the frame: until the next page arrives, a language switch here would
  // take the person back to this page. (Forms on their way are marked data-sending.)
  var leaving = 0;
  function leave() {
    clearTimeout(leaving);
    leaving = setTimeout(function () { leaving = 0; }, 10000);  // a link that led nowhere
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && !event.defaultPrevented && event.button === 0 && !link.target &&
        !link.hasAttribute("download") && link.getAttribute("href").charAt(0) !== "#" &&
        !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) { leave(); }
  });

  // The loader greets every page it frames; answer only a known origin and our own parent.
  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) { return; }
    if (data.frontdesk === "language" && event.origin === hostOrigin) {
      // A page on its way (a send, a link followed, a switch already posting) is never cut short.
      if (leaving || document.querySelector("form[data-sending]")) { tell({ type: "busy" }); }
      else if (switchLanguage(data.lang)) { tell({ type: "language" }); }
      return;
    }
    if (data.frontdesk !== "hello") { return; }
    hostOrigin = event.origin;
    tell({ type: "ready", height: height() });
    var hostEvent = body.getAttribute("data-host-event");
    if (hostEvent) { tell({ type: hostEvent }); }  // carries no code and no personal data
    // The loader counts the pages its frame loaded: from the second on, the person moved inside
    // the widget, and the host page should follow (only an offset, nothing from the page).
    if (data.loads > 1) { tell({ type: "scroll", top: arrivalTop() }); }
  });

  if (window.ResizeObserver) {
    new ResizeObserver(function () { tell({ type: "resize", height: height() }); })
      .observe(document.documentElement);
  }

  // Deadlines are in the organisation's time zone: name it when this browser's zone differs
  // at that moment (offsets compared, so that aliases of one zone agree).
  Array.prototype.forEach.call(document.querySelectorAll(".organisation-zone[data-offset]"), function (zone) {
    var mine = -new Date(zone.getAttribute("data-at")).getTimezoneOffset();
    if (mine !== Number(zone.getAttribute("data-offset"))) { zone.hidden = false; }
  });

  // The receipt's QR code, drawn here from the status page's address (vendor/qrcode.js): one
  // path of row runs, as the server draws it for a page without JavaScript (widget/qr.py).
  var qrFigure = document.querySelector("figure[data-qr]");
  if (qrFigure && window.qrcode) {
    var code = window.qrcode(0, "M");
    code.addData(qrFigure.getAttribute("data-qr"));
    code.make();
    var count = code.getModuleCount(), border = 2, side = count + 2 * border, runs = "";
    for (var row = 0; row < count; row++) {
      for (var col = 0; col < count; col++) {
        if (!code.isDark(row, col)) { continue; }
        var start = col;
        while (col + 1 < count && code.isDark(row, col + 1)) { col++; }
        runs += "M" + (start + border) + " " + (row + border) + "h" + (col + 1 - start) + "v1H" + (start + border) + "z";
      }
    }
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    [["width", side * 3], ["height", side * 3], ["viewBox", "0 0 " + side + " " + side],
     ["role", "img"], ["shape-rendering", "crispEdges"], ["class", "segno"]].forEach(function (pair) {
      svg.setAttribute(pair[0], pair[1]);
    });
    var title = document.createElementNS(svgNS, "title");
    title.textContent = qrFigure.getAttribute("data-qr-title");
    svg.appendChild(title);
    [["#fff", "M0 0h" + side + "v" + side + "H0z"], ["#000", runs]].forEach(function (pair) {
      var path = document.createElementNS(svgNS, "path");
      path.setAttribute("fill", pair[0]);
      path.setAttribute("d", pair[1]);
      svg.appendChild(path);
    });
    qrFigure.insertBefore(svg, qrFigure.firstChild);
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

  // A page of several forms (the account profile) switches language with the one being filled:
  // its language buttons, and the hidden button before them that Enter presses, move to the form
  // a person types into or chooses in, which names its own address in each language.
  function switchWith(form) {
    var buttons = document.querySelectorAll(".languages button[data-language], button[data-switch-main]");
    Array.prototype.forEach.call(buttons, function (button) {
      var lang = button.getAttribute("data-language");
      if (lang) { button.setAttribute("formaction", form.getAttribute("data-switch-" + lang)); }
      button.setAttribute("form", form.id);
    });
  }
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target.form;
      if (form && form.id && form.hasAttribute("data-switch-" + document.documentElement.lang)) {
        switchWith(form);
      }
    });
  });

  // Sign-in whose cookie the browser refused: the new-window link only helps inside a frame;
  // where the browser has the Storage Access API, the person may grant the frame its cookies.
  if (!framed) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-in-frame]"), function (el) { el.hidden = true; });
  }
  var grant = document.querySelector("[data-storage-access]");
  if (grant && framed && document.requestStorageAccess) {
    grant.hidden = false;
    grant.addEventListener("click", function () {
      document.requestStorageAccess().then(function () {
        window.location.href = grant.closest("div").querySelector("a").href;  // sign in again
      }, function () {
        grant.hidden = true;  // refused: the new window is the way left
        grant.closest("div").querySelector("a").focus();
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

/* The SMS wording editor's live counter: encoding, characters used and parts, as the text is
   typed. A dependency-free port of widget/notify/sms_text.py (analyse, to_gsm and strip_diacritics), so
   the browser and the server agree on what a message costs; the server renders the same figures,
   so the page is right without this script. tests/test_notice_settings.py checks the tables
   below against the Python ones, tests/e2e/test_sms_counter.py the figures. */
(function () {
  "use strict";
  // GSM 03.38: the default alphabet, and the extension table reached through the escape (each of
  // those costs two septets). Written as JSON strings so the test can read them.
  var GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENSION = "\f^{}\\[~]|€";
  // [one-part capacity, capacity of each part of a longer message]: the header takes the rest.
  var LIMITS = {"GSM-7": [160, 153], "UCS-2": [70, 67]};
  // sms_text.GSM_EQUIVALENTS, applied to every text: typography with a GSM-7 equivalent.
  var GSM_EQUIVALENTS = {"\t": " ", "\u00a0": " ", "\u1680": " ", "\u2000": " ", "\u2001": " ",
                         "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
                         "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
                         "\u205f": " ", "\u3000": " ", "\u0085": "\n", "\u2028": "\n", "\u2029": "\n",
                         "\u200b": "", "\u2060": "", "\ufeff": "", "\u00ad": "", "\u2018": "'",
                         "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": "'", "\u203a": "'",
                         "\u2032": "'", "`": "'", "\u00b4": "'", "\u201c": "\"", "\u201d": "\"",
                         "\u201e": "\"", "\u201f": "\"", "\u00ab": "\"", "\u00bb": "\"", "\u2033": "\"",
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u2022": "-"};
  // sms_text.GSM_DROPPED_IF_ALONE: joiners and direction marks, dropped only from a text that is
  // otherwise GSM-7 (Persian and emoji need them).
  var GSM_DROPPED_IF_ALONE = "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069";
  // Vietnamese d with stroke, which has no decomposition, for stripping diacritics.
  var STROKES = {"đ": "d", "Đ": "D"};
  // The code points whose Unicode name starts with "LATIN " (Python decides by the name, which
  // JavaScript cannot read; \p{Script=Latin} differs on a few), generated from unicodedata.
  var LATIN = [[0x41, 0x5A], [0x61, 0x7A], [0xC0, 0xD6], [0xD8, 0xF6], [0xF8, 0x2AF],
               [0x1D00, 0x1D25], [0x1D62, 0x1D65], [0x1D6B, 0x1D77], [0x1D79, 0x1D9A],
               [0x1E00, 0x1EFF], [0x2090, 0x209C], [0x2184, 0x2184], [0x271D, 0x271D],
               [0x2C60, 0x2C7C], [0x2C7E, 0x2C7F], [0xA722, 0xA76F], [0xA771, 0xA787],
               [0xA78B, 0xA7CA], [0xA7D0, 0xA7D1], [0xA7D3, 0xA7D3], [0xA7D5, 0xA7D9],
               [0xA7F5, 0xA7F7], [0xA7FA, 0xA7FF], [0xAB30, 0xAB5A], [0xAB60, 0xAB64],
               [0xAB66, 0xAB68], [0xFB00, 0xFB06], [0x1DF00, 0x1DF1E]];

  // What Python's str.strip() removes (String.prototype.trim differs on a few).
  var SPACE = "[\\t-\\r\\x1c- \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var SPACE_AROUND = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");
  var MARK;
  try {
    MARK = new RegExp("^\\p{M}$", "u");
  } catch (error) {
    return; // a browser without Unicode properties: the server's figures stay
  }

  function isGsm(ch) { return GSM_BASIC.indexOf(ch) >= 0 || GSM_EXTENSION.indexOf(ch) >= 0; }

  function isLatin(ch) {
    var cp = ch.codePointAt(0);
    return LATIN.some(function (range) { return cp >= range[0] && cp <= range[1]; });
  }

  // Code points, not UTF-16 units: Array.from splits by code point, as Python's str does.
  function analyse(text) {
    var chars = Array.from(text);
    var encoding = chars.every(isGsm) ? "GSM-7" : "UCS-2";
    var weights = chars.map(function (ch) {
      if (encoding === "GSM-7") { return GSM_EXTENSION.indexOf(ch) >= 0 ? 2 : 1; }
      return ch.codePointAt(0) > 0xFFFF ? 2 : 1; // a surrogate pair: two UTF-16 units
    });
    var total = weights.reduce(function (sum, w) { return sum + w; }, 0);
    var single = LIMITS[encoding][0], perPart = LIMITS[encoding][1];
    var parts = total === 0 ? 0 : 1;
    if (total > single) {
      // Whole characters per part: an escape pair or a surrogate pair never straddles two.
      var used = 0;
      weights.forEach(function (w) {
        if (used + w > perPart) { parts += 1; used = 0; }
        used += w;
      });
    }
    return {encoding: encoding, length: total, segments: parts,
            per_segment: parts <= 1 ? single : perPart};
  }

  function translate(text, table) {
    return Array.from(text).map(function (ch) {
      return Object.prototype.hasOwnProperty.call(table, ch) ? table[ch] : ch;
    }).join("");
  }

  // sms_text.to_gsm.
  function toGsm(text) {
    var chars = Array.from(translate(text, GSM_EQUIVALENTS));
    var alone = function (ch) { return GSM_DROPPED_IF_ALONE.indexOf(ch) >= 0; };
    if (chars.every(function (ch) { return isGsm(ch) || alone(ch); })) {
      chars = chars.filter(function (ch) { return !alone(ch); });
    }
    return chars.join("");
  }

  function stripDiacritics(text) {
    var translated = translate(text, STROKES);
    var out = [], latinBase = false;
    // Character by character, as in Python: other scripts are left exactly as written.
    Array.from(translated).forEach(function (ch) {
      if (MARK.test(ch)) {
        if (!latinBase) { out.push(ch); }
        return;
      }
      var decomposed = Array.from(ch.normalize("NFD"));
      latinBase = isLatin(decomposed[0]);
      if (latinBase) {
        out.push(decomposed.filter(function (c) { return !MARK.test(c); }).join("").normalize("NFC"));
      } else {
        out.push(ch);
      }
    });
    return toGsm(out.join(""));
  }

  var counter = document.querySelector("[data-sms-counter]");
  var field = counter && document.getElementById(counter.getAttribute("data-for"));
  if (!field) { return; }
  var strip = counter.getAttribute("data-strip") === "1";
  var maxSegments = parseInt(counter.getAttribute("data-max-segments"), 10);
  // The price of one part, when the organisation set one: the cost of 1,000 messages follows.
  var partPrice = counter.hasAttribute("data-part-price") ?
    parseFloat(counter.getAttribute("data-part-price")) : NaN;
  var money = new Intl.NumberFormat(document.documentElement.lang || undefined,
                                    {maximumFractionDigits: 2});

  function show() {
    // Kept as the server keeps it: line ends as LF, no surrounding white space.
    var text = field.value.replace(/\r\n?/g, "\n").replace(SPACE_AROUND, "");
    var info = analyse(strip ? stripDiacritics(text) : toGsm(text));
    ["encoding", "length", "segments", "per_segment"].forEach(function (name) {
      var target = counter.querySelector("[data-sms=" + name + "]");
      var value = String(info[name]);
      if (target && target.textContent !== value) { target.textContent = value; }
    });
    var cost = counter.querySelector("[data-sms=cost]");
    if (cost && !isNaN(partPrice)) {
      var shown = money.format(partPrice * info.segments * 1000);
      if (cost.textContent !== shown) { cost.textContent = shown; }
    }
    var over = counter.querySelector("[data-sms=over]");
    if (over) { over.hidden = !(info.segments > maxSegments); }
  }

  field.addEventListener("input", show);
  show();
})();

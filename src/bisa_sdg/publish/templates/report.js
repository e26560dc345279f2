/* Language switch and number formatting of the SDG 11 report. No network, no library. */
(function () {
  "use strict";
  var root = document.documentElement;
  var buttons = Array.prototype.slice.call(document.querySelectorAll("[data-set-lang]"));
  var languages = buttons.map(function (b) { return b.getAttribute("data-set-lang"); });
  var locales = { fr: "fr-BE", nl: "nl-BE", en: "en-GB" };
  var formatters = {};

  function formatter(lang, digits) {
    var key = lang + ":" + digits;
    if (!formatters[key]) {
      formatters[key] = new Intl.NumberFormat(locales[lang] || lang, {
        minimumFractionDigits: digits, maximumFractionDigits: digits
      });
    }
    return formatters[key];
  }

  function formatNumbers(lang) {
    var nodes = document.querySelectorAll(".num[data-v]");
    for (var i = 0; i < nodes.length; i++) {
      var value = parseFloat(nodes[i].getAttribute("data-v"));
      var digits = parseInt(nodes[i].getAttribute("data-d") || "0", 10);
      if (isFinite(value)) {
        var text = formatter(lang, digits).format(value);
        nodes[i].textContent = text === "-0" ? "0" : text;
      }
    }
  }

  function setLanguage(lang, remember) {
    if (languages.indexOf(lang) < 0) { lang = root.getAttribute("data-lang") || languages[0]; }
    root.setAttribute("data-lang", lang);
    root.setAttribute("lang", lang);
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-set-lang") === lang ? "true" : "false");
    });
    formatNumbers(lang);
    if (remember) {
      try { window.localStorage.setItem("bisa-sdg-lang", lang); } catch (e) { /* storage may be disabled */ }
    }
  }

  function initialLanguage() {
    var match = /(?:^|[#&])lang=([a-z]{2})/.exec(window.location.hash || "");
    if (match && languages.indexOf(match[1]) >= 0) { return match[1]; }
    try {
      var saved = window.localStorage.getItem("bisa-sdg-lang");
      if (saved && languages.indexOf(saved) >= 0) { return saved; }
    } catch (e) { /* storage may be disabled on file:// */ }
    var preferred = (navigator.languages || [navigator.language || ""]);
    for (var i = 0; i < preferred.length; i++) {
      var code = String(preferred[i]).slice(0, 2).toLowerCase();
      if (languages.indexOf(code) >= 0) { return code; }
    }
    return root.getAttribute("data-lang") || languages[0];
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () { setLanguage(b.getAttribute("data-set-lang"), true); });
  });
  setLanguage(initialLanguage(), false);
  document.body.setAttribute("data-ready", "true");
})();

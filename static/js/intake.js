// Intake and pre-check forms: progressive enhancement only (every form works without this file).
// 1. The sector picker's filter box filters the VSIC <select multiple> as one types: options whose words
//    do not begin with the typed words are hidden (accents ignored, so "thuy san" finds "thủy sản");
//    chosen sectors always stay visible.
// 2. A "Copy" button next to the tracking link on the receipt page (its words come from the page, which
//    has them from the translation catalogues: data-copy, data-copied).
(function () {
  "use strict";

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  // The picker's filter box is a form field (without JavaScript, "Find" sends the form back with the
  // matching classes); here it filters the full list as one types, and the Find button is not needed.
  function enhanceSectors(picker) {
    var select = picker.querySelector("select[multiple][name=sectors]");
    var box = picker.querySelector("[data-sector-filter]");
    if (!select || !box) { return; }
    var find = picker.querySelector("[data-sector-find]");
    if (find) { find.hidden = true; }
    box.setAttribute("aria-controls", select.id);
    var options = Array.prototype.slice.call(select.options).map(function (o) {
      return { option: o, key: fold(o.textContent + " " + (o.getAttribute("data-keywords") || "")) };
    });
    // As the server's filter does: every typed word begins a word of the class; when some classes hold
    // the typed words as a phrase ("thuy san"), only those.
    function apply() {
      var terms = fold(box.value).split(/\s+/).filter(Boolean);
      var phrase = " " + terms.join(" ");
      var matches = options.map(function (item) {
        var words = item.key.split(/[^a-z0-9]+/);
        return terms.every(function (t) {
          return words.some(function (w) { return w.indexOf(t) === 0; });
        });
      });
      var phrased = terms.length > 1 && options.some(function (item, i) {
        return matches[i] && (" " + item.key).indexOf(phrase) !== -1;
      });
      options.forEach(function (item, i) {
        var match = matches[i] && (!phrased || (" " + item.key).indexOf(phrase) !== -1);
        item.option.hidden = !(match || item.option.selected);
      });
    }
    box.addEventListener("input", apply);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
    apply();
  }

  function enhanceCopy(input) {
    if (!navigator.clipboard) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = input.getAttribute("data-copy");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = input.getAttribute("data-copied");
      });
    });
    input.insertAdjacentElement("afterend", button);
    input.addEventListener("focus", function () { input.select(); });
  }

  document.querySelectorAll("[data-sector-picker]").forEach(enhanceSectors);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("input[data-copy]").forEach(enhanceCopy);
})();

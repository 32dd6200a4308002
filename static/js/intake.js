// Intake and pre-check forms: progressive enhancement only (every form works without this file).
// 1. A filter box above the VSIC sector <select multiple>: typing hides options that do not match
//    (accents ignored, so "det nhuom" finds "Dệt nhuộm"); chosen sectors always stay visible.
// 2. A "Copy" button next to the tracking link on the receipt page.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";
  var text = {
    vi: { filter: "Lọc ngành nghề theo tên hoặc mã", copy: "Sao chép liên kết", copied: "Đã sao chép" },
    en: { filter: "Filter sectors by name or code", copy: "Copy the link", copied: "Copied" }
  }[lang === "en" ? "en" : "vi"];

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function enhanceSectors(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "-filter";
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    var label = document.createElement("label");
    label.htmlFor = box.id;
    label.textContent = text.filter;
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(box, select);
    var options = Array.prototype.slice.call(select.options).map(function (o) {
      return { option: o, key: fold(o.textContent) };
    });
    box.addEventListener("input", function () {
      var terms = fold(box.value).split(/\s+/).filter(Boolean);
      options.forEach(function (item) {
        var match = terms.every(function (t) { return item.key.indexOf(t) !== -1; });
        item.option.hidden = !(match || item.option.selected);
      });
    });
  }

  function enhanceCopy(input) {
    if (!navigator.clipboard) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = text.copy;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = text.copied;
      });
    });
    input.insertAdjacentElement("afterend", button);
    input.addEventListener("focus", function () { input.select(); });
  }

  document.querySelectorAll("select[multiple][name=sectors]").forEach(enhanceSectors);
  document.querySelectorAll("input[data-copy]").forEach(enhanceCopy);
})();

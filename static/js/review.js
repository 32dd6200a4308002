// Review case page: "Fill in" copies a bilingual template into the form at once, without a reload.
// Without this script the button posts the form to /fill/<use> and the server does the same.
// Nothing typed is lost: an empty field gets the template; a field with text keeps it, the template follows.
(function () {
  "use strict";
  function merge(typed, template) {
    var text = (typed || "").trim();
    if (!text) return template;
    return text.indexOf(template) >= 0 ? text : text + "\n\n" + template;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-button]");
    if (!button) return;
    var prefix = button.getAttribute("data-fill-button");
    var form = button.form;
    var select = form && form.querySelector('select[data-fill="' + prefix + '"]');
    var option = select && select.options[select.selectedIndex];
    if (!option) return;
    event.preventDefault();
    var vi = document.getElementById(prefix + "-vi");
    var en = document.getElementById(prefix + "-en");
    if (vi) vi.value = merge(vi.value, option.getAttribute("data-vi") || "");
    if (en) en.value = merge(en.value, option.getAttribute("data-en") || "");
    var outcome = option.getAttribute("data-outcome");
    if (outcome) {
      var checked = form.querySelector('input[name="outcome"]:checked');
      var radio = form.querySelector('input[name="outcome"][value="' + outcome + '"]');
      if (!checked && radio) radio.checked = true;
    }
    (vi || en || select).focus();
  });
})();

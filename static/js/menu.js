/* Small screens: the main menu folds behind its "Menu" button (aria-expanded says which); without
   JavaScript, or on wider screens, the menu is always shown. No text is written here. */
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (!button || !nav || !window.matchMedia) {
    return;
  }
  document.documentElement.classList.add("js");
  var small = window.matchMedia("(max-width: 40rem)");
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("collapsed", !open);
    nav.classList.toggle("open", open);
  }
  set(!small.matches);
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  var onChange = function (e) {
    set(!e.matches);
  };
  if (small.addEventListener) {
    small.addEventListener("change", onChange);
  }
})();

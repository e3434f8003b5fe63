// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// After a refused submit, take the keyboard and the screen reader to the list of what to correct
// (the script is deferred: the page is parsed when this runs).
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();

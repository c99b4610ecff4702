/* The confirmation page: copy the tracking code with one tap (select it where copying is not allowed). */
(function () {
  "use strict";
  var button = document.getElementById("sz-copy");
  var code = document.getElementById("sz-code");
  if (!button || !code) return;
  function selectCode() {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  button.addEventListener("click", function () {
    var done = function () { button.textContent = button.dataset.done; button.dataset.copied = "1"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(button.dataset.copy).then(done, selectCode);
    } else { selectCode(); }
  });
})();

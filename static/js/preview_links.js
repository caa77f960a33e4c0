/* Preview links (templates/editor/_preview_links.html): "Copier l'adresse" copies the new
 * preview address and says so. Without this script the button stays hidden and the
 * address sits in a read-only field, selected by a click, to copy by hand. The part is
 * swapped by htmx, so buttons are found on every swap (htmx:load) and clicks are
 * handled once, on the document. No inline script. */
(function () {
  "use strict";

  function reveal(root) {
    if (!navigator.clipboard || !root.querySelectorAll) return;
    root.querySelectorAll("button[data-copy-preview]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function statusAfter(button) {
    var status = button.parentNode.querySelector(".preview-copy-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "preview-copy-status";
      status.setAttribute("role", "status");
      button.parentNode.appendChild(status);
    }
    return status;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy-preview]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-preview"));
    if (!field) return;
    field.select();
    var status = statusAfter(button);
    navigator.clipboard.writeText(field.value).then(
      function () { status.textContent = button.getAttribute("data-copied"); },
      function () { status.textContent = button.getAttribute("data-copy-failed"); }
    );
  });

  // A click in the read-only address selects all of it, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    if (event.target.id === "preview-new-url") event.target.select();
  });

  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  reveal(document);
})();

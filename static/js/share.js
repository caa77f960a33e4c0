/* "Copier le lien": without this script it is a plain link to the article; with it, a
 * button that copies the address and says so in a live region. No inline script. */
(function () {
  "use strict";
  document.querySelectorAll("a[data-copy-link]").forEach(function (link) {
    if (!navigator.clipboard) return; // the link still works
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.textContent = link.textContent;
    var status = document.querySelector("[data-copy-status]");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(
        function () { if (status) status.textContent = link.getAttribute("data-copied"); },
        function () { if (status) status.textContent = link.getAttribute("data-copy-failed"); }
      );
    });
    link.replaceWith(button);
  });
})();

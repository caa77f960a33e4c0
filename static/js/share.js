/* "Copier le lien": without this script it is a plain link to the article; with it, a
 * button that copies the address and says so in a status line (a live region added on
 * first use, so pages carry no empty status region). No inline script. */
(function () {
  "use strict";

  function statusAfter(list) {
    var status = list.parentNode.querySelector(".share-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "share-status";
      status.setAttribute("role", "status");
      list.parentNode.appendChild(status);
    }
    return status;
  }

  document.querySelectorAll("a[data-copy-link]").forEach(function (link) {
    if (!navigator.clipboard) return; // the link still works
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.textContent = link.textContent;
    var list = link.closest("ul");
    button.addEventListener("click", function () {
      var status = statusAfter(list);
      navigator.clipboard.writeText(link.href).then(
        function () { status.textContent = link.getAttribute("data-copied"); },
        function () { status.textContent = link.getAttribute("data-copy-failed"); }
      );
    });
    link.replaceWith(button);
  });
})();

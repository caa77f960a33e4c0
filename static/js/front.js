// The front page's editing, for editors:
// - drag and drop reordering of the pinned stories: an enhancement over the
//   "Monter"/"Descendre" buttons (which keyboards use). On drop the new order is posted
//   to editor.reorder_pins and htmx swaps #une with the answer;
// - focus after a change: htmx keeps it on the button pressed when the new #une has one
//   with the same id ("Monter"); when it is gone (a story pinned from the search results,
//   removed), focus goes to the element the server names (data-focus: the new story's
//   controls), else to the message of the live region (#une-statut), so that it is not
//   left on <body>.
(function () {
  "use strict";

  function refocus(root) {
    var wanted = root.getAttribute("data-focus");
    root.removeAttribute("data-focus");
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var target = (wanted && document.getElementById(wanted)) ||
      root.querySelector("[role=alert]") ||
      document.querySelector("#une-statut [tabindex]");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  function pinnedItems(root) {
    return Array.from(root.querySelectorAll(".front-top [data-pin]"));
  }

  function enable(root) {
    var url = root.getAttribute("data-reorder-url");
    if (!url || !window.htmx) return;
    var items = pinnedItems(root);
    if (items.length < 2 || root.getAttribute("data-drag-ready")) return;
    root.setAttribute("data-drag-ready", "1");
    // Every pin in order, those readers do not see included: the server wants them all.
    var allPins = (root.getAttribute("data-pins") || "").split(" ").filter(Boolean);
    var dragged = null;
    items.forEach(function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("is-dragged");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-pin"));
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("is-dragged");
        items.forEach(function (other) { other.classList.remove("is-drop-target"); });
      });
      item.addEventListener("dragover", function (event) {
        if (dragged && dragged !== item) {
          event.preventDefault();
          item.classList.add("is-drop-target");
        }
      });
      item.addEventListener("dragleave", function () { item.classList.remove("is-drop-target"); });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!dragged || dragged === item) return;
        var order = allPins.slice();
        var from = order.indexOf(dragged.getAttribute("data-pin"));
        var to = order.indexOf(item.getAttribute("data-pin"));
        order.splice(to, 0, order.splice(from, 1)[0]);
        window.htmx.ajax("POST", url, {
          target: "#une",
          swap: "outerHTML",
          values: { article: order },
        });
      });
    });
  }

  function start() {
    var root = document.getElementById("une");
    if (root) enable(root);
  }

  document.addEventListener("DOMContentLoaded", start);
  // After each swap of #une, the new stories need their handlers too, and focus a place.
  document.addEventListener("htmx:afterSettle", function (event) {
    start();
    var root = document.getElementById("une");
    if (root && event.detail && event.detail.elt === root) refocus(root);
  });
})();

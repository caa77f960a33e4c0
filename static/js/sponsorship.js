// The sponsorship form with htmx: what htmx attributes alone cannot say.
// - A refused submission (400 expired form, 429 too many, 503 database down) comes back
//   as the form holding the sender's text and an explanation: swap it in like a 422.
// - A submission that never reached the server (network down): nothing is swapped, the
//   text stays where it is, and a hidden alert says to send again.
(function () {
  "use strict";
  var SWAPPED_PROBLEMS = [400, 429, 503];

  function isInquiryForm(element) {
    return element && element.id === "inquiry-form";
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (isInquiryForm(detail.elt) && SWAPPED_PROBLEMS.indexOf(detail.xhr.status) !== -1) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  function showSendError(event) {
    var form = event.detail && event.detail.elt && event.detail.elt.closest("#inquiry-form");
    if (!form) return;
    var alert = form.querySelector("[data-send-error]");
    if (alert && isInquiryForm(event.detail.elt)) alert.hidden = false;
  }
  document.addEventListener("htmx:sendError", showSendError);
  document.addEventListener("htmx:responseError", function (event) {
    if (SWAPPED_PROBLEMS.indexOf(event.detail.xhr.status) === -1) showSendError(event);
  });
})();

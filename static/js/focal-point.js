/* The media library's focal point: a click (or tap) on the photo sets it.
 *
 * The image sits in .focal-frame, which carries the stored point as data-focal-x/y
 * (fractions 0..1). A click fills the form's two number inputs (percentages, the
 * keyboard and no-JavaScript way to set it), moves the marker there and submits the
 * form, which crops again on the server. The marker is placed through the CSSOM, which
 * the strict CSP (style-src 'self') allows, unlike a style attribute.
 */
(function () {
  "use strict";

  function placeMarker(frame, marker, x, y) {
    marker.style.left = (x * 100).toFixed(2) + "%";
    marker.style.top = (y * 100).toFixed(2) + "%";
    marker.hidden = false;
  }

  function setUp(frame) {
    var form = document.querySelector(".focal-form");
    var image = frame.querySelector("img");
    if (!image) return;
    var marker = document.createElement("span");
    marker.className = "focal-marker";
    marker.setAttribute("aria-hidden", "true");
    frame.appendChild(marker);
    placeMarker(frame, marker, parseFloat(frame.dataset.focalX), parseFloat(frame.dataset.focalY));
    if (!form) return;
    frame.classList.add("focal-frame-active");
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      var x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      placeMarker(frame, marker, x, y);
      form.querySelector("[name=x]").value = (x * 100).toFixed(1);
      form.querySelector("[name=y]").value = (y * 100).toFixed(1);
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }

  document.querySelectorAll(".focal-frame").forEach(setUp);
})();

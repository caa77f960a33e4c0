/* "Référencement et partage" (templates/editor/parts/_seo_fields.html): the search-result
 * and social-card previews and their character counters follow what the editor types.
 * Without this script the form still works; its previews show the values as loaded. */
(function () {
  "use strict";

  function cut(text, shown) {
    return text.length <= shown ? text : text.slice(0, shown - 1) + "…";
  }

  // The server's own (translated) sentences, with {count} and {shown} to fill.
  function counterText(box, count, shown) {
    var text = box.getAttribute(count > shown ? "data-counter-over" : "data-counter-text");
    return text.replace("{count}", count).replace("{shown}", shown);
  }

  function update(box) {
    var title = box.querySelector("[data-counted=title]").value.trim();
    var description = box.querySelector("[data-counted=description]").value.trim();
    var searchTitle = title || box.getAttribute("data-default-title") + box.getAttribute("data-site-suffix");
    var cardTitle = title || box.getAttribute("data-default-title");
    var shownDescription = description || box.getAttribute("data-default-description");
    var titleCounter = box.querySelector("[data-counter=title]");
    var descriptionCounter = box.querySelector("[data-counter=description]");
    var titleShown = Number(titleCounter.getAttribute("data-shown"));
    var descriptionShown = Number(descriptionCounter.getAttribute("data-shown"));
    titleCounter.textContent = counterText(box, searchTitle.length, titleShown);
    titleCounter.classList.toggle("char-counter-over", searchTitle.length > titleShown);
    descriptionCounter.textContent = counterText(box, shownDescription.length, descriptionShown);
    descriptionCounter.classList.toggle("char-counter-over", shownDescription.length > descriptionShown);
    var searchPreview = box.querySelector("[data-preview=search-title]");
    if (!searchPreview) return; // a form given back after the session expired: no previews
    searchPreview.textContent = cut(searchTitle, titleShown);
    box.querySelector("[data-preview=card-title]").textContent = cardTitle;
    Array.prototype.forEach.call(box.querySelectorAll("[data-preview=description]"), function (element) {
      element.textContent = cut(shownDescription, descriptionShown);
    });
    var chosen = box.querySelector("input[type=radio]:checked");
    var image = box.querySelector("[data-preview=image]");
    var src = (chosen && chosen.getAttribute("data-src")) || image.getAttribute("data-default-src");
    if (src && image.getAttribute("src") !== src) image.setAttribute("src", src);
    image.hidden = !src;
  }

  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var box = event.target.closest && event.target.closest("[data-seo-form]");
      if (box) update(box);
    });
  });
})();

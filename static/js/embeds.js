/* Embeds (issue 13): the facade becomes the provider's iframe only when the reader asks.
 *
 * The page (templates/reading/blocks/_embed.html) carries no address the browser would
 * fetch: the iframe's address is a data- attribute, and the button is hidden until this
 * script shows it, so that readers without JavaScript get the link alone. On click the
 * facade is replaced by the iframe (title, sandbox, allow, lazy loading and referrer
 * policy read from the facade) and focus moves to it. The page's CSP allows frames from
 * exactly the providers it shows (app.py). Facades added by the editor with htmx get
 * their button too; their provider may be missing from the CSP until the page is
 * reloaded, in which case the blocked frame says so instead of staying blank. No inline
 * script, no eval: the site's CSP holds.
 */
(function () {
  "use strict";

  function reveal(root) {
    var buttons = (root || document).querySelectorAll(".embed-facade [data-embed-load]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      var notice = button.closest(".embed-facade").querySelector(".embed-notice");
      if (notice) notice.hidden = false;
    });
  }

  function frameFor(facade) {
    var source = facade.getAttribute("data-embed-src") || "";
    if (source.indexOf("https://") !== 0) return null; // the server only writes https
    var frame = document.createElement("iframe");
    frame.className = "embed-frame embed-frame-" + (facade.getAttribute("data-embed-provider") || "");
    frame.title = facade.getAttribute("data-embed-title") || "";
    if (facade.hasAttribute("data-embed-sandbox")) {
      frame.setAttribute("sandbox", facade.getAttribute("data-embed-sandbox"));
    }
    var allow = facade.getAttribute("data-embed-allow");
    if (allow) frame.setAttribute("allow", allow);
    if (/fullscreen/.test(allow || "")) frame.setAttribute("allowfullscreen", ""); // older Safari
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("referrerpolicy", facade.getAttribute("data-embed-referrer") || "no-referrer");
    frame.setAttribute("data-blocked-message", facade.getAttribute("data-embed-blocked-message") || "");
    frame.src = source;
    return frame;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-embed-load]");
    if (!button) return;
    var facade = button.closest(".embed-facade");
    var frame = facade && frameFor(facade);
    if (!frame) return;
    facade.replaceWith(frame);
    frame.focus(); // the content the reader asked for, where the button was
  });

  // A frame the page's CSP refused (a provider added since the page loaded): say so.
  document.addEventListener("securitypolicyviolation", function (event) {
    if (event.effectiveDirective !== "frame-src") return;
    var frames = document.querySelectorAll("iframe.embed-frame:not([data-blocked])");
    Array.prototype.forEach.call(frames, function (frame) {
      if (!event.blockedURI || frame.src.indexOf(event.blockedURI) !== 0) return;
      frame.setAttribute("data-blocked", "");
      var note = document.createElement("p");
      note.className = "embed-blocked";
      note.setAttribute("role", "status");
      note.textContent = frame.getAttribute("data-blocked-message");
      frame.after(note);
    });
  });

  reveal(document);
  // Blocks the editor adds or saves in place (htmx) bring their own facades.
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
})();

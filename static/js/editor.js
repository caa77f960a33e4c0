/* Gazette's editor: loaded only on pages the user may edit. No inline script, no eval.
 *
 * - focus: the server marks the element to focus with data-focus; a form swapped in gets
 *   focus on its first field; Escape clicks the form's [data-cancel] button;
 * - part controls: shown on hover and focus by editor.css; a tap selects a part on a
 *   touch screen so that its controls show;
 * - rich text: a textarea[data-rich-text] becomes a contenteditable with a small toolbar
 *   (bold, italic, link, line break) and is kept in sync, so the form posts HTML source;
 *   without this script the textarea still works (a newline there is a line break, as
 *   the server reads it). A paste is sent to the server (views/editor/paste.py), which
 *   cleans it with the one sanitiser, splits a pasted list into items and says what it
 *   could not keep; if that request fails, the paste is reduced here to the same tags;
 * - drafts: the text of every open form is kept in localStorage as it is typed, offered
 *   back when that part is opened again, dropped once saved; leaving the page with an
 *   unsaved form asks first (beforeunload);
 * - errors: an expired session or CSRF token gets its form back (401/400, swapped here),
 *   and so does an image too large (413);
 *   any other failure leaves the form in place with a French message next to it.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ focus and cancel

  function within(root, selector) {
    if (!root || root.nodeType !== 1) return [];
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches(selector)) found.unshift(root);
    return found;
  }

  function focusAfterSwap(root) {
    var marked = within(root, "[data-focus]")[0];
    if (marked) {
      marked.removeAttribute("data-focus");
      marked.focus();
      return;
    }
    var form = within(root, "form.editor-form")[0];
    if (form && !form.contains(document.activeElement)) {
      var field = form.querySelector("[aria-invalid=true]:not([hidden])") || form.querySelector(".rich-editor") ||
        form.querySelector("textarea:not([hidden]), input:not([type=hidden]), select");
      if (field) field.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var container = event.target.closest && event.target.closest(".editor-form, .block-inserter, .delete-confirmation");
    var cancel = container && container.querySelector("[data-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var inserter = dismiss.closest(".block-inserter");
      var opener = inserter.previousElementSibling && inserter.previousElementSibling.querySelector("[data-add-after]");
      inserter.remove();
      if (opener) opener.focus();
      return;
    }
    var close = event.target.closest("[data-close-panel]");
    if (close) {
      document.getElementById("history-panel").textContent = "";
      document.getElementById("history-button").focus();
    }
  });

  // ------------------------------------------------------------------ part controls

  // A part's controls show while the pointer is over it or focus is inside it (CSS,
  // editor.css). A touch screen has neither for long: a tap on a part selects it
  // (.is-selected, until a tap elsewhere), so its controls stay shown to be tapped. A tap
  // that lands on a control not shown yet only shows it: an unseen button never acts.
  var CONTROLS = ".editable > .edit-button, .block-controls, .body-start > .control-button";
  var swallowClick = false;

  document.addEventListener("pointerdown", function (event) {
    swallowClick = false;
    if (event.pointerType === "mouse" || !event.target.closest) return;
    var part = event.target.closest(".editable");
    var control = event.target.closest(CONTROLS);
    swallowClick = Boolean(part && control && getComputedStyle(control).opacity === "0");
    var selected = document.querySelectorAll(".editable.is-selected");
    for (var i = 0; i < selected.length; i++) {
      if (selected[i] !== part) selected[i].classList.remove("is-selected");
    }
    if (part) part.classList.add("is-selected");
  });

  document.addEventListener("click", function (event) {
    if (!swallowClick) return;
    swallowClick = false;
    event.preventDefault();
    event.stopPropagation(); // capture phase: htmx's listener on the button never hears it
  }, true);

  // ------------------------------------------------------------------ rich text

  var KEEP = { STRONG: "strong", B: "strong", EM: "em", I: "em", A: "a", BR: "br" };
  var DROP = /^(SCRIPT|STYLE|X-PASTED-STYLE|TEMPLATE|NOSCRIPT|IFRAME|OBJECT|EMBED|SVG|MATH|TITLE|TEXTAREA|SELECT|OPTION|HEAD|META|LINK|IMG|PICTURE|VIDEO|AUDIO|CANVAS|BUTTON|INPUT)$/;
  var BLOCK = /^(P|DIV|LI|H[1-6]|TR|BLOCKQUOTE|PRE|SECTION|ARTICLE)$/;
  var CELL = /^(TD|TH)$/;

  function safeHref(href) {
    var url = (href || "").replace(/[\u0000-\u0020]+/g, "");
    return /^(https?:|mailto:|tel:)/i.test(url) ? url : null;
  }

  function tagFor(element) {
    var name = element.nodeName.toUpperCase();
    var style = (element.getAttribute("data-pasted-style") || "").toLowerCase();
    if (name === "B" && /font-weight\s*:\s*(normal|[1-4]00)/.test(style)) return null; // Google Docs wrapper
    if (name === "SPAN") {
      if (/font-weight\s*:\s*(bold|[6-9]00)/.test(style)) return "strong";
      if (/font-style\s*:\s*italic/.test(style)) return "em";
    }
    return KEEP[name] || null;
  }

  // Rebuild untrusted HTML with new nodes of the allowed kinds only. DOMParser makes an
  // inert document: nothing in it runs or loads.
  function copyAllowed(from, to) {
    Array.prototype.forEach.call(from.childNodes, function (node) {
      if (node.nodeType === 3) {
        // A newline in HTML source is a space; in the editor (white-space: pre-wrap) it
        // would show, and be saved, as a line break.
        to.appendChild(document.createTextNode(node.data.replace(/[\r\n]+/g, " ")));
        return;
      }
      if (node.nodeType !== 1 || DROP.test(node.nodeName.toUpperCase())) return;
      var tag = tagFor(node);
      if (tag === "br") {
        to.appendChild(document.createElement("br"));
        return;
      }
      var target = to;
      if (tag === "a") {
        var href = safeHref(node.getAttribute("href"));
        if (href) {
          target = to.appendChild(document.createElement("a"));
          target.setAttribute("href", href);
        }
      } else if (tag) {
        target = to.appendChild(document.createElement(tag));
      }
      if (CELL.test(node.nodeName.toUpperCase()) && node.previousElementSibling) to.appendChild(document.createTextNode(" | "));
      copyAllowed(node, target);
      if (BLOCK.test(node.nodeName.toUpperCase()) && node.nextSibling) to.appendChild(document.createElement("br"));
    });
  }

  function cleanFragment(html) {
    // Style and on* attributes are renamed before parsing: the parsed document shares the
    // page's CSP, which refuses (and logs) each of them. Nothing from that document is put
    // in the page anyway; only the styles' bold/italic hints are read.
    html = html.replace(/([\s"'\/`])style(\s*=)/gi, "$1data-pasted-style$2")
      .replace(/([\s"'\/`])on([a-z]+\s*(=|&#x0*3d;?|&#0*61;?|&equals;))/gi, "$1data-pasted-on$2")
      .replace(/<(\/?)style\b/gi, "<$1x-pasted-style");
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fragment = document.createDocumentFragment();
    copyAllowed(doc.body, fragment);
    return fragment;
  }

  // The textarea holds HTML in which a newline is a line break (the server reads it so:
  // richtext.newlines_as_breaks); "<br>" followed by a newline is one break.
  function textareaAsHtml(value) {
    return value.split(/(<[^>]*>)/).map(function (part, index) {
      return index % 2 ? part : part.replace(/\r\n?|\n/g, "\n");
    }).join("").replace(/(<br\s*\/?>)[ \t]*\n/gi, "$1").split(/(<[^>]*>)/).map(function (part, index) {
      return index % 2 ? part : part.replace(/\n/g, "<br>");
    }).join("");
  }

  function textAsHtml(text) {
    var box = document.createElement("div");
    text.split(/\r?\n/).forEach(function (line, index) {
      if (index) box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(line));
    });
    return box.innerHTML;
  }

  function toolbarButton(label, onClick) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toolbar-button";
    button.textContent = label;
    button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the selection
    button.addEventListener("click", onClick);
    return button;
  }

  function makeRich(textarea) {
    if (textarea.dataset.enhanced) return;
    textarea.dataset.enhanced = "true";
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    if (label && !label.id) label.id = textarea.id + "-label";

    var editor = document.createElement("div");
    editor.className = "rich-editor input";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) editor.setAttribute("aria-labelledby", label.id);
    if (textarea.getAttribute("aria-invalid") === "true") editor.setAttribute("aria-invalid", "true");
    var described = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      return id && document.getElementById(id);
    });
    if (described.length) editor.setAttribute("aria-describedby", described.join(" "));
    editor.appendChild(cleanFragment(textareaAsHtml(textarea.value)));

    function sync() {
      textarea.value = editor.innerHTML;
      textarea.dispatchEvent(new CustomEvent("editor:changed", { bubbles: true }));
    }
    // A draft put back into the textarea (see drafts below) is shown here too.
    textarea.addEventListener("editor:reload", function () {
      editor.textContent = "";
      editor.appendChild(cleanFragment(textareaAsHtml(textarea.value)));
    });
    function run(command, value) {
      editor.focus();
      document.execCommand(command, false, value);
      sync();
    }

    var toolbar = document.createElement("div");
    toolbar.className = "rich-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Mise en forme");
    toolbar.appendChild(toolbarButton("Gras", function () { run("bold"); }));
    toolbar.appendChild(toolbarButton("Italique", function () { run("italic"); }));
    toolbar.appendChild(toolbarButton("Lien", function () { openLinkBox(); }));
    toolbar.appendChild(toolbarButton("Retirer le lien", function () { run("unlink"); }));
    toolbar.appendChild(toolbarButton("Saut de ligne", function () { run("insertLineBreak"); }));

    // The link box: an address field in the page, not a prompt() dialog.
    var linkBox = document.createElement("div");
    linkBox.className = "rich-link-box";
    linkBox.hidden = true;
    var linkId = textarea.id + "-link";
    var linkLabel = document.createElement("label");
    linkLabel.htmlFor = linkId;
    linkLabel.textContent = "Adresse du lien";
    var linkInput = document.createElement("input");
    linkInput.type = "url";
    linkInput.id = linkId;
    linkInput.className = "input";
    linkInput.placeholder = "https://";
    var savedRange = null;
    function closeLinkBox() {
      linkBox.hidden = true;
      editor.focus();
      if (savedRange) {
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(savedRange);
      }
    }
    function applyLink() {
      var href = safeHref(linkInput.value.trim());
      if (!href) {
        linkInput.setAttribute("aria-invalid", "true");
        return;
      }
      closeLinkBox();
      run("createLink", href);
    }
    function openLinkBox() {
      var selection = window.getSelection();
      savedRange = selection.rangeCount && editor.contains(selection.anchorNode) ? selection.getRangeAt(0).cloneRange() : null;
      linkBox.hidden = false;
      linkInput.value = "";
      linkInput.removeAttribute("aria-invalid");
      linkInput.focus();
    }
    linkInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        applyLink();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation(); // closes the link box, not the form
        closeLinkBox();
      }
    });
    linkBox.appendChild(linkLabel);
    linkBox.appendChild(linkInput);
    linkBox.appendChild(toolbarButton("Appliquer le lien", applyLink));
    linkBox.appendChild(toolbarButton("Annuler le lien", closeLinkBox));

    editor.addEventListener("input", sync);
    editor.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { // a paragraph holds line breaks, not new paragraphs
        event.preventDefault();
        run("insertLineBreak");
      }
    });
    // A paste lands at once, cleaned here; the server's cleaning (the one sanitiser, lists
    // split into items, the notice of what was removed) then takes its place. Text typed
    // meanwhile right before or after the pasted nodes is kept.
    editor.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data) return;
      event.preventDefault();
      var html = data.getData("text/html");
      var text = data.getData("text/plain");
      var local = html ? cleanFragment(html) : cleanFragment(textAsHtml(text));
      var pasted = trackNodes(local);
      insertFragment(local);
      var url = textarea.getAttribute("data-paste-url");
      if (!url || !window.fetch) return;
      var body = new URLSearchParams();
      body.set("html", html || "");
      body.set("text", text || "");
      var token = textarea.form && textarea.form.querySelector('input[name="csrf_token"]');
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        // HX-Request: a logged-out paste gets a bare 401 (views.htmx), not the login page.
        headers: { Accept: "application/json", "HX-Request": "true", "X-CSRFToken": token ? token.value : "" },
        body: body
      }).then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      }).then(function (result) {
        var items = result.items;
        replaceNodes(pasted, cleanFragment(items ? items[0] || "" : result.html || ""));
        if (items && items.length > 1) pasteItems(textarea, items.slice(1));
        showNotice(textarea.form || editor, result.notice);
      }).catch(function () { /* the local cleaning stays; the save is cleaned again anyway */ });
    });

    function trackNodes(fragment) {
      var nodes = Array.prototype.slice.call(fragment.childNodes);
      return { nodes: nodes, texts: nodes.map(function (node) { return node.nodeType === 3 ? node.data : null; }) };
    }

    // Put `fragment` where the tracked nodes are, keeping what was typed onto them since:
    // text typed before the first goes before, text typed after any of them goes after.
    function replaceNodes(tracked, fragment) {
      var nodes = tracked.nodes;
      if (!nodes.length || !nodes.every(function (node) { return editor.contains(node); })) {
        if (fragment.textContent) insertFragment(fragment);
        return;
      }
      var first = nodes[0];
      var last = nodes[nodes.length - 1];
      var before = "";
      var after = "";
      nodes.forEach(function (node, index) {
        var was = tracked.texts[index];
        if (was === null || node.data === was) return;
        var at = node.data.indexOf(was);
        if (at < 0) return; // edited inside the pasted text: the server's version wins
        if (index === 0) before = node.data.slice(0, at);
        after += node.data.slice(at + was.length);
      });
      if (before) fragment.insertBefore(document.createTextNode(before), fragment.firstChild);
      if (after) fragment.appendChild(document.createTextNode(after));
      var end = fragment.lastChild;
      var range = document.createRange();
      range.setStartBefore(first);
      range.setEndAfter(last);
      range.deleteContents();
      range.insertNode(fragment);
      if (end && document.activeElement === editor) {
        var selection = window.getSelection();
        range.setStartAfter(end);
        range.collapse(true);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      sync();
    }

    // Insert our own nodes at the caret. Not execCommand("insertHTML"): Chromium may add
    // style attributes while doing so, which the strict CSP refuses (a console error).
    function insertFragment(fragment) {
      var selection = window.getSelection();
      var last = fragment.lastChild;
      if (!selection.rangeCount || !editor.contains(selection.getRangeAt(0).commonAncestorContainer)) {
        editor.appendChild(fragment);
      } else {
        var range = selection.getRangeAt(0);
        range.deleteContents();
        range.insertNode(fragment);
        if (last) {
          range.setStartAfter(last);
          range.collapse(true);
          selection.removeAllRanges();
          selection.addRange(range);
        }
      }
      sync();
    }
    if (textarea.form) textarea.form.addEventListener("submit", sync, true);

    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(linkBox, textarea);
    textarea.parentNode.insertBefore(editor, textarea);
  }

  function itemsFieldset(textarea) {
    return textarea.closest("fieldset.list-items");
  }

  // A new, empty item after the last one: the same markup as the server's (field macro),
  // named after the highest index so the FieldList reads it in order.
  function addListEntry(fieldset) {
    var areas = fieldset.querySelectorAll("textarea[data-rich-text]");
    var model = areas[areas.length - 1];
    var match = model.name.match(/^(.*-)(\d+)$/);
    var index = parseInt(match[2], 10) + 1;
    while (document.getElementById(model.id.replace(/\d+$/, String(index)))) index += 1;
    var id = model.id.replace(/\d+$/, String(index));
    var wrapper = document.createElement("div");
    wrapper.className = "field";
    wrapper.id = "field-" + id;
    var label = document.createElement("label");
    label.className = "field-label";
    label.htmlFor = id;
    var modelLabel = document.querySelector('label[for="' + model.id + '"]');
    label.textContent = modelLabel ? modelLabel.textContent : "";
    var area = document.createElement("textarea");
    area.className = "input";
    area.id = id;
    area.name = match[1] + index;
    area.rows = 2;
    area.setAttribute("data-rich-text", model.getAttribute("data-rich-text"));
    area.setAttribute("data-paste-url", model.getAttribute("data-paste-url") || "");
    wrapper.appendChild(label);
    wrapper.appendChild(area);
    model.closest(".field").after(wrapper);
    makeRich(area);
    return area;
  }

  // A pasted list: its first item went where the caret is; the others go into the items
  // after it, which move down (new entries are added at the end to hold them).
  function pasteItems(textarea, rest) {
    var fieldset = itemsFieldset(textarea);
    if (!fieldset) return;
    var areas = Array.prototype.slice.call(fieldset.querySelectorAll("textarea[data-rich-text]"));
    var at = areas.indexOf(textarea);
    var values = areas.map(function (area) { return area.value; });
    var following = values.slice(at + 1).filter(function (value) { return value.replace(/<[^>]*>|\s|&nbsp;/g, ""); });
    var wanted = values.slice(0, at + 1).concat(rest, following);
    while (areas.length < wanted.length) areas.push(addListEntry(fieldset));
    for (var i = at + 1; i < areas.length; i += 1) {
      areas[i].value = wanted[i] || "";
      areas[i].dispatchEvent(new CustomEvent("editor:reload"));
    }
    textarea.dispatchEvent(new CustomEvent("editor:changed", { bubbles: true }));
  }

  // "1 image a été retirée.": what the server could not keep of a paste, at the top of
  // the form, as after a save (role=status: read out without taking the focus).
  function showNotice(form, notice) {
    var box = form.querySelector(":scope > .paste-notice");
    if (!notice) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("p");
      box.className = "form-notice editor-notice paste-notice";
      box.setAttribute("role", "status");
      form.insertBefore(box, form.querySelector(".field, fieldset") || form.firstChild);
    }
    box.textContent = notice;
  }

  // ------------------------------------------------------------------ drafts kept in this browser

  // Key: "gazette-brouillon:<article>:<part>:<version>" (part: "titre", "bloc-12",
  // "nouveau-paragraph-apres-12"); value: {"saved": ms since epoch, "version", "fields"}.
  var DRAFT_PREFIX = "gazette-brouillon:";
  // The values a form had when it was opened, by draft key and version: a form given
  // back by the server (a list rearranged: "Ajouter", "Monter"; or refused, 422) is
  // compared with the part as it was opened, not as it came back, so what was added
  // before the reload stays in the draft.
  var initialValues = new Map();
  var watchedForms = new WeakSet();

  function initialKey(form) {
    return form.getAttribute("data-draft-key") + ":" + (form.getAttribute("data-draft-version") || "0");
  }

  function storage() {
    try { return window.localStorage; } catch (error) { return null; } // private mode, blocked
  }

  function formValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "file" || field.type === "submit" || field.type === "button" ||
        field.name === "csrf_token" || field.name === "after") return;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) {
        if (field.type === "checkbox") values[field.name] = "";
        return;
      }
      // Repeated names (a list's rows: "sujets-tags") are kept together, one per line.
      values[field.name] = field.name in values ? values[field.name] + "\n" + field.value : field.value;
    });
    return values;
  }

  function sameValues(a, b) {
    var keys = Object.keys(a).concat(Object.keys(b));
    return keys.every(function (key) { return (a[key] || "") === (b[key] || ""); });
  }

  function isDirty(form) {
    var initial = initialValues.get(initialKey(form));
    return Boolean(initial) && !sameValues(initial, formValues(form));
  }

  function draftKeys(form) {
    var store = storage();
    var prefix = DRAFT_PREFIX + form.getAttribute("data-draft-key") + ":";
    var keys = [];
    if (!store) return keys;
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) keys.push(key);
    }
    return keys;
  }

  function dropDrafts(form) {
    var store = storage();
    draftKeys(form).forEach(function (key) { store.removeItem(key); });
  }

  function keepDraft(form) {
    var store = storage();
    if (!store || !form.hasAttribute("data-draft-key")) return;
    var version = form.getAttribute("data-draft-version") || "0";
    var key = DRAFT_PREFIX + form.getAttribute("data-draft-key") + ":" + version;
    if (!isDirty(form)) {
      store.removeItem(key);
      return;
    }
    var values = formValues(form);
    try {
      store.setItem(key, JSON.stringify({ saved: Date.now(), version: version, fields: values }));
    } catch (error) { /* storage full: the beforeunload question still protects the text */ }
  }

  function readDraft(key) {
    try {
      var draft = JSON.parse(storage().getItem(key));
      return draft && typeof draft.fields === "object" ? draft : null;
    } catch (error) {
      return null;
    }
  }

  // "il y a 3 min", in the page's language.
  function age(saved) {
    var seconds = Math.max(1, Math.round((Date.now() - saved) / 1000));
    var lang = document.documentElement.lang || "fr";
    if (!(window.Intl && Intl.RelativeTimeFormat)) return "";
    var format = new Intl.RelativeTimeFormat(lang, { numeric: "always", style: "short" });
    if (seconds < 60) return format.format(-seconds, "second");
    if (seconds < 3600) return format.format(-Math.round(seconds / 60), "minute");
    if (seconds < 48 * 3600) return format.format(-Math.round(seconds / 3600), "hour");
    return format.format(-Math.round(seconds / 86400), "day");
  }

  // A list whose rows the server draws (data-draft-list="<name>" on its container):
  // its hidden inputs are put back, then the form is drawn again from them by its
  // data-draft-redraw button (a rearrange that changes nothing, nothing saved).
  function putBackList(form, container, name, value) {
    Array.prototype.forEach.call(form.querySelectorAll("input[type=hidden]"), function (input) {
      if (input.name === name) input.remove();
    });
    value.split("\n").filter(Boolean).forEach(function (item) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = item;
      container.appendChild(input);
    });
    return form.querySelector("[data-draft-redraw]");
  }

  function putBack(form, fields) {
    var redraw = null;
    Object.keys(fields).forEach(function (name) {
      var container = Array.prototype.find.call(form.querySelectorAll("[data-draft-list]"), function (element) {
        return element.getAttribute("data-draft-list") === name;
      });
      if (container) {
        redraw = putBackList(form, container, name, fields[name]) || redraw;
        return;
      }
      var field = form.elements.namedItem(name);
      if (!field && /-\d+$/.test(name)) { // a list item added by a paste
        var fieldset = form.querySelector("fieldset.list-items");
        while (fieldset && !form.elements.namedItem(name) && fieldset.querySelectorAll("textarea").length < 200) addListEntry(fieldset);
        field = form.elements.namedItem(name);
      }
      if (!field) return;
      if (field instanceof RadioNodeList) {
        Array.prototype.forEach.call(field, function (radio) { radio.checked = radio.value === fields[name]; });
      } else if (field.type === "checkbox") {
        field.checked = fields[name] !== "";
      } else {
        field.value = fields[name];
        field.dispatchEvent(new CustomEvent("editor:reload"));
      }
    });
    return redraw;
  }

  function offerDraft(form) {
    var offer = form.querySelector("[data-draft-offer]");
    if (!offer) return;
    var drafts = draftKeys(form).map(readDraft).filter(Boolean).sort(function (a, b) { return b.saved - a.saved; });
    var draft = drafts[0];
    if (!draft || sameValues(draft.fields, formValues(form))) return;
    offer.querySelector("[data-draft-age]").textContent = age(draft.saved);
    offer.hidden = false;
    offer.querySelector("[data-draft-resume]").addEventListener("click", function () {
      // The draft's version goes back too: if the part was saved since, the save is a
      // conflict (409) that shows both texts, never an overwrite.
      var redraw = putBack(form, draft.fields);
      offer.remove();
      keepDraft(form);
      if (redraw) {
        redraw.click();
        return;
      }
      var first = form.querySelector(".rich-editor, textarea:not([hidden]), input:not([type=hidden]), select");
      if (first) first.focus();
    });
    offer.querySelector("[data-draft-ignore]").addEventListener("click", function () {
      dropDrafts(form);
      offer.remove();
      var first = form.querySelector(".rich-editor, textarea:not([hidden]), input:not([type=hidden]), select");
      if (first) first.focus();
    });
  }

  function watchForm(form) {
    if (watchedForms.has(form) || !form.hasAttribute("data-draft-key")) return;
    watchedForms.add(form);
    if (!initialValues.has(initialKey(form))) initialValues.set(initialKey(form), formValues(form));
    offerDraft(form);
  }

  ["input", "change", "editor:changed"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var form = event.target.closest && event.target.closest("form[data-draft-key]");
      if (form) keepDraft(form);
    });
  });

  function formNow(key) {
    return Array.prototype.find.call(document.querySelectorAll("form[data-draft-key]"), function (form) {
      return form.getAttribute("data-draft-key") === key;
    });
  }

  // Saved: the draft is no longer needed. A form given back (a list rearranged, 200;
  // refused, 4xx) keeps it, brought up to date with what the form now holds.
  // (detail.elt may already be what replaced the form: requestConfig.elt is the form.)
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
    if (form && form.matches && form.matches("form[data-draft-key]")) {
      var now = formNow(form.getAttribute("data-draft-key"));
      if (now) {
        if (now !== form) keepDraft(now);
      } else if (event.detail.successful) {
        dropDrafts(form);
      }
    }
    // Forms closed (saved, cancelled): opened again, they start from the stored part.
    Array.from(initialValues.keys()).forEach(function (key) {
      var open = Array.prototype.some.call(document.querySelectorAll("form[data-draft-key]"), function (element) {
        return initialKey(element) === key;
      });
      if (!open) initialValues.delete(key);
    });
  });

  window.addEventListener("beforeunload", function (event) {
    var dirty = Array.prototype.some.call(document.querySelectorAll("form[data-draft-key]"), isDirty);
    if (dirty) {
      event.preventDefault();
      event.returnValue = ""; // older Chromium needs a value to ask
    }
  });

  // ------------------------------------------------------------------ errors and expired sessions

  var MESSAGES = {
    401: "Votre session a expiré. Reconnectez-vous dans un nouvel onglet, puis réessayez : rien n’a été perdu ici.",
    403: "Vous n’avez pas le droit de modifier cet article.",
    404: "Cette partie de l’article n’existe plus (supprimée entre-temps ?). Copiez votre texte avant de recharger la page.",
    410: "Cet article a été mis à la corbeille : rien n’y est modifiable tant qu’il n’est pas restauré. Copiez votre texte avant de recharger la page.",
    413: "Trop volumineux pour être enregistré (10 Mo au plus pour une image) : rien n’a été perdu ici.",
    429: "Trop de demandes d’un coup : réessayez dans un instant."
  };

  function showError(element, message) {
    var container = element.closest(".editor-form, .editable, .block-inserter, .history") || element.parentNode;
    var alert = container.querySelector(":scope > .editor-error");
    if (!alert) {
      alert = document.createElement("p");
      alert.className = "form-alert editor-error";
      alert.setAttribute("role", "alert");
      container.insertBefore(alert, container.firstChild);
    }
    alert.textContent = message;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    // An expired session (401) or CSRF token (400) on a save answers with the form as
    // typed, marked data-reauth: swap it in like a validation error.
    if ((xhr.status === 400 || xhr.status === 401) && /data-reauth/.test(xhr.responseText)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // An image too large (413) comes back inside its form, text intact: swap that in too.
    // A body over the server's own limit gets no form: the message below keeps this one.
    if (xhr.status === 413 && /class="[^"]*\beditor-form\b/.test(xhr.responseText)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    showError(event.detail.elt, MESSAGES[status] ||
      "Le serveur n’a pas pu traiter la demande (erreur " + status + "). Votre texte est toujours là : réessayez dans un instant.");
  });

  document.addEventListener("htmx:sendError", function (event) {
    showError(event.detail.elt, "Impossible de joindre le serveur. Votre texte est toujours là : réessayez dans un instant.");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var container = event.detail.elt.closest && event.detail.elt.closest(".editor-form, .editable");
      var alert = container && container.querySelector(":scope > .editor-error");
      if (alert) alert.remove();
    }
  });

  // Back from logging in again in another tab: give the waiting forms a fresh token.
  window.addEventListener("focus", function () {
    var waiting = document.querySelector("[data-reauth][data-token-url]");
    if (!waiting) return;
    fetch(waiting.getAttribute("data-token-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.csrf_token) return;
        document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = data.csrf_token; });
        document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": data.csrf_token }));
      })
      .catch(function () { /* still logged out: the next save says so again */ });
  });

  // ------------------------------------------------------------------ wiring

  document.addEventListener("htmx:load", function (event) {
    within(event.detail.elt, "textarea[data-rich-text]").forEach(makeRich);
    within(event.detail.elt, "form[data-draft-key]").forEach(watchForm);
    focusAfterSwap(event.detail.elt);
  });
  // Out-of-band swaps (a moved block) settle elsewhere than the request's target.
  document.addEventListener("htmx:afterSettle", function () {
    var marked = document.querySelector("[data-focus]");
    if (marked) {
      marked.removeAttribute("data-focus");
      marked.focus();
    }
  });
})();

/*
 * Ward assistant chat widget. Embed on any page with one tag:
 *   <script src="https://ASSISTANT-HOST/widget.js" defer></script>
 * Optional attributes: data-api="https://ASSISTANT-HOST" (default: where the script came from),
 * data-title="Trợ lý phường". No build step, no dependencies; styles live in a shadow root so
 * the ward site's CSS and ours never clash.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var api = (script && script.getAttribute("data-api")) || new URL(script.src).origin;
  var DEFAULT_TITLE = "Trợ lý phường"; // the server puts the ward's own name here
  var title = (script && script.getAttribute("data-title")) || DEFAULT_TITLE;
  var STORE = "ward-assistant:" + api;
  var MAX_KEPT = 100;
  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  var MAX_PHOTO = 5 * 1024 * 1024; // the server refuses more (bot/web/images.py)
  var THUMB = 240; // pixels: the sent photo as the transcript keeps it

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE) || "null");
      if (saved && typeof saved.user === "string" && Array.isArray(saved.log)) return saved;
    } catch (e) { /* private mode or corrupted: start again */ }
    return { user: newId(), log: [], open: false };
  }

  var state = load();
  function save() {
    state.log = state.log.slice(-MAX_KEPT);
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* quota */ }
  }

  var host = document.createElement("div");
  host.id = "ward-assistant";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    '<link rel="stylesheet" href="' + api + '/widget.css">' +
    '<button class="bubble" type="button" aria-expanded="false" aria-controls="wa-panel">' +
    '<span aria-hidden="true">💬</span><span class="bubble-label">Hỏi phường</span></button>' +
    '<section id="wa-panel" class="panel" role="dialog" aria-modal="false" hidden>' +
    '<header><h2></h2><button class="close" type="button" aria-label="Đóng khung trò chuyện">✕</button></header>' +
    '<div class="log" role="log" aria-live="polite" aria-relevant="additions" tabindex="0"></div>' +
    '<p class="notice" role="status" hidden></p>' +
    '<form class="composer">' +
    '<input class="file" type="file" accept="' + PHOTO_TYPES.join(",") + '" hidden>' +
    '<button class="attach" type="button" aria-label="Gửi ảnh" title="Gửi ảnh (JPEG, PNG, WebP, tối đa 5 MB)">' +
    '<svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path fill="currentColor" ' +
    'd="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9Zm3 ' +
    '5a5 5 0 1 1 0 10 5 5 0 0 1 0-10Zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z"/></svg></button>' +
    '<label class="sr-only" for="wa-input">Câu hỏi của bạn</label>' +
    '<input id="wa-input" type="text" autocomplete="off" maxlength="2000" ' +
    'placeholder="Gõ câu hỏi, ví dụ: làm giấy khai sinh">' +
    '<button type="submit">Gửi</button></form></section>';

  var bubble = root.querySelector(".bubble");
  var panel = root.querySelector(".panel");
  var logEl = root.querySelector(".log");
  var notice = root.querySelector(".notice");
  var form = root.querySelector("form");
  var input = root.querySelector("#wa-input");
  var fileInput = root.querySelector(".file");
  root.querySelector("h2").textContent = title;

  // An address from a message or a picture: http(s) only (a path is the assistant's own).
  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var url = new URL(value, api);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  // Links in a message: web addresses, and the assistant's own pages it names by path
  // (the status page, a certificate). Built as nodes: a message is never HTML.
  var LINK = /https?:\/\/[^\s<>"']+|\/(?:tra-cuu|chung-nhan\/)[^\s<>"']*/g;
  var TRAILING = /[.,;:!?)\]}»"'…]+$/; // "…dvc-trang-chu.html." ends the sentence, not the link
  function newLink(href, label) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }
  function appendText(parent, text) {
    var done = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      var start = match.index;
      if (match[0].charAt(0) === "/" && start > 0 && !/\s/.test(text.charAt(start - 1))) continue;
      var label = match[0].replace(TRAILING, "");
      var href = safeUrl(label);
      if (!href) continue;
      parent.appendChild(document.createTextNode(text.slice(done, start)));
      parent.appendChild(newLink(href, label));
      done = start + label.length;
      LINK.lastIndex = done;
    }
    parent.appendChild(document.createTextNode(text.slice(done)));
  }

  // Keep a chosen message in view while pictures above it load, until the resident scrolls.
  var anchor = null;
  function scrollTo(item) {
    anchor = item;
    if (item) logEl.scrollTop = item.offsetTop - logEl.offsetTop - 8;
  }
  ["wheel", "touchstart", "keydown"].forEach(function (kind) {
    logEl.addEventListener(kind, function () { anchor = null; }, { passive: true });
  });

  function picture(entry) {
    if (entry.from === "me") {
      // The resident's own photo, as a small copy kept with the transcript.
      if (typeof entry.thumb !== "string" || entry.thumb.indexOf("data:image/jpeg;") !== 0) {
        return null;
      }
      var own = document.createElement("img");
      own.src = entry.thumb;
      own.alt = "Ảnh bạn đã gửi";
      return own;
    }
    var href = safeUrl(entry.image);
    if (!href) return null;
    var box = document.createElement("div");
    box.className = "picture";
    var link = newLink(href, "");  // under its words ("Giấy chứng nhận của bạn:")
    var img = document.createElement("img");
    img.src = href;
    img.alt = "Hình ảnh kèm tin nhắn";
    img.addEventListener("load", function () { if (anchor) scrollTo(anchor); });
    link.appendChild(img);
    box.appendChild(link);
    box.appendChild(newLink(href, "Mở ảnh cỡ lớn"));
    return box;
  }

  function render(entry) {
    var item = document.createElement("div");
    item.className = "msg " + entry.from;
    var image = picture(entry);
    if (entry.text || !image) {
      var text = document.createElement("p");
      appendText(text, entry.text || "");
      item.appendChild(text);
    }
    if (image) item.appendChild(image);
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      // A menu of short titles takes two columns, so the greeting and its buttons fit.
      if (entry.buttons.every(function (b) { return b.title.length <= 24; })) {
        group.className += " grid";
      }
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Lựa chọn");
      entry.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () {
          sendChat({ payload: b.payload }, b.title, null);
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    logEl.appendChild(item);
    return item;
  }

  function renderAll() {
    logEl.innerHTML = "";  // emptied only; every message is built as nodes
    state.log.forEach(render);
  }

  // Where to open: the first message not read yet, else the start of the newest answer (a
  // long answer is read from its title); when everything fits, that is the end.
  function reveal() {
    var items = logEl.children;
    var at = -1;
    state.log.forEach(function (e, i) { if (at < 0 && e.unread) at = i; });
    if (at < 0) {
      at = state.log.length - 1;
      while (at > 0 && state.log[at].from === "bot" && state.log[at - 1].from === "bot") at--;
    }
    if (at >= 0 && items[at]) scrollTo(items[at]);
  }

  function markRead() {
    state.log.forEach(function (e) { delete e.unread; });
    bubble.classList.remove("unread");
    save();
  }

  function add(entries) {
    // Only the newest reply keeps live buttons; older ones become plain history.
    state.log.forEach(function (old) { old.buttons = []; });
    var unread = panel.hidden;
    entries.forEach(function (e) {
      if (unread && e.from === "bot") e.unread = true;
      state.log.push(e);
    });
    save();
    renderAll();
    if (unread) { bubble.classList.add("unread"); return; }
    // The first new answer from its start; what the resident sent, at the end.
    var first = state.log.length - entries.length;
    while (first < state.log.length - 1 && state.log[first].from === "me") first++;
    if (state.log[first].from === "bot") scrollTo(logEl.children[first]);
    else scrollTo(logEl.lastElementChild);
  }

  function replies(data) {
    return (data.replies || []).map(function (reply) {
      return { from: "bot", text: reply.text, buttons: reply.buttons, image: reply.image_url };
    });
  }

  function say(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  // Why a send failed, in a few kind words; the message itself waits in the box.
  function failure(status, retryAfter) {
    var error = new Error(
      status === 429 ? "Bạn gửi hơi nhanh." :
      status >= 500 ? "Hệ thống của phường đang bận." :
      status ? "Tin nhắn chưa hợp lệ." : "Mất kết nối mạng."
    );
    error.status = status;
    error.retryAfter = retryAfter;
    return error;
  }

  var busy = false;
  var pending = null;
  // POST to the assistant; on success the sent entry (if any) and the replies join the
  // transcript, on failure nothing does and `failed` is told why.
  function post(path, init, sent, failed) {
    if (busy) return;
    busy = true;
    say("");
    if (sent) {
      pending = render(sent);
      pending.className += " pending";
      scrollTo(pending);
    }
    fetch(api + path, init).catch(function () { throw failure(0); }).then(function (r) {
      if (!r.ok) throw failure(r.status, Number(r.headers.get("Retry-After")) || 0);
      return r.json();
    }).then(function (data) {
      if (pending) { pending.remove(); pending = null; }
      add((sent ? [sent] : []).concat(replies(data)));
      busy = false;
    }).catch(function (err) {
      if (pending) { pending.remove(); pending = null; }
      busy = false;
      failed(err.status === undefined ? failure(0) : err);
    }).then(function () {
      if (!panel.hidden) input.focus();
    });
  }

  function sendChat(body, shown, typed) {
    body.user = state.user;
    post("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }, { from: "me", text: shown }, function (err) {
      if (typed !== null) {
        if (!input.value) input.value = typed;
        say(err.message + " Tin nhắn vẫn ở ô nhập: bạn bấm Gửi để gửi lại.");
      } else {
        say(err.message + " Bạn bấm lại lựa chọn để gửi lại nhé.");
      }
    });
  }

  // The first open greets; a refusal (too many visitors behind one address) or a network
  // error is said briefly and the greeting is asked again, never replaced by an error.
  var greetTimer = null;
  function greet(attempt) {
    greetTimer = null;
    if (state.log.length || panel.hidden || busy) return;
    post("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: state.user, text: "/start" })
    }, null, function (err) {
      say("Đang kết nối với trợ lý, bạn đợi giây lát…");
      var wait = Math.min(30, err.retryAfter || Math.pow(2, attempt)) * 1000;
      greetTimer = setTimeout(function () { greet(attempt + 1); }, wait);
    });
  }

  function thumbnail(file, done) {
    var url = URL.createObjectURL(file);
    var img = new Image();
    img.onload = function () {
      var scale = Math.min(1, THUMB / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(img.width * scale));
      canvas.height = Math.max(1, Math.round(img.height * scale));
      var copy = null;
      try {
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        copy = canvas.toDataURL("image/jpeg", 0.7);
      } catch (e) { /* a site's policy may forbid it: the photo goes without a copy */ }
      URL.revokeObjectURL(url);
      done(copy);
    };
    img.onerror = function () { URL.revokeObjectURL(url); done(null); };
    img.src = url;
  }

  function sendPhoto(file) {
    if (PHOTO_TYPES.indexOf(file.type) < 0) {
      say("Bạn chọn ảnh JPEG, PNG hoặc WebP nhé.");
      return;
    }
    if (file.size > MAX_PHOTO) {
      say("Ảnh lớn quá (tối đa 5 MB). Bạn chọn ảnh khác hoặc chụp lại nhé.");
      return;
    }
    thumbnail(file, function (copy) {
      post("/api/chat/photo?user=" + encodeURIComponent(state.user), {
        method: "POST",
        headers: { "Content-Type": file.type },
        body: file
      }, { from: "me", text: copy ? "" : "(Ảnh đã gửi)", thumb: copy }, function (err) {
        say(err.status === 413 || err.status === 415 ?
          "Ảnh này chưa gửi được: chỉ nhận ảnh JPEG, PNG hoặc WebP, tối đa 5 MB." :
          err.message + " Ảnh chưa gửi được: bạn bấm nút máy ảnh để gửi lại.");
      });
    });
  }

  // `focus` false when the page opens with the panel open: the page keeps its focus (and a
  // phone does not raise its keyboard).
  function setOpen(open, focus) {
    state.open = open;
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    if (open) {
      reveal();
      markRead();
      if (!state.log.length) greet(0);
      if (focus) input.focus();
    } else {
      save();
      if (focus) bubble.focus();
    }
  }

  // Answers from ward staff (to feedback) wait on the server until the widget fetches them.
  var POLL_MS = 30000;
  function fetchUpdates() {
    fetch(api + "/api/chat/updates?user=" + encodeURIComponent(state.user))
      .then(function (r) { return r.ok ? r.json() : { replies: [] }; })
      .then(function (data) {
        var fetched = replies(data);
        if (fetched.length) add(fetched);
      })
      .catch(function () { /* offline: try again at the next tick */ });
  }

  bubble.addEventListener("click", function () { setOpen(panel.hidden, true); });
  root.querySelector(".close").addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false, true); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    sendChat({ text: text }, text, text);
  });
  root.querySelector(".attach").addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";  // the same photo can be picked again after a failure
    if (file && !busy) sendPhoto(file);
  });

  renderAll();
  if (state.log.some(function (e) { return e.unread; })) bubble.classList.add("unread");
  // Positions are read once the stylesheet applies (before it, the transcript does not scroll).
  var sheet = root.querySelector("link");
  function start() {
    if (start.done) return;
    start.done = true;
    if (state.open) setOpen(true, false);
    fetchUpdates();
    setInterval(fetchUpdates, POLL_MS);
  }
  if (sheet.sheet) start();
  else { sheet.addEventListener("load", start); sheet.addEventListener("error", start); }
})();

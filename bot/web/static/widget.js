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
    '<form class="composer"><label class="sr-only" for="wa-input">Câu hỏi của bạn</label>' +
    '<input id="wa-input" type="text" autocomplete="off" maxlength="2000" ' +
    'placeholder="Gõ câu hỏi, ví dụ: làm giấy khai sinh">' +
    '<button type="submit">Gửi</button></form></section>';

  var bubble = root.querySelector(".bubble");
  var panel = root.querySelector(".panel");
  var logEl = root.querySelector(".log");
  var form = root.querySelector("form");
  var input = root.querySelector("input");
  root.querySelector("h2").textContent = title;

  // A picture (an announcement's, a contest certificate) from http(s) only; a path is the
  // assistant's own. It opens full size in a new tab.
  function pictureUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var url = new URL(value, api);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) { return null; }
  }

  function render(entry) {
    var item = document.createElement("div");
    item.className = "msg " + entry.from;
    var picture = pictureUrl(entry.image);
    var text = document.createElement("p");
    text.textContent = entry.text;  // never innerHTML: replies are text
    if (entry.text || !picture) item.appendChild(text);
    if (picture) {  // under its words ("Giấy chứng nhận của bạn:"), as an attachment
      var link = document.createElement("a");
      link.href = picture;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      var img = document.createElement("img");
      img.src = picture;
      img.alt = "Hình ảnh kèm tin nhắn";
      img.loading = "lazy";
      link.appendChild(img);
      item.appendChild(link);
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Lựa chọn");
      entry.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send({ payload: b.payload }, b.title); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    logEl.appendChild(item);
    return item;
  }

  function add(entry) {
    // Only the newest reply keeps live buttons; older ones become plain history.
    state.log.forEach(function (old) { old.buttons = []; });
    state.log.push(entry);
    save();
    logEl.innerHTML = "";
    var last = null;
    state.log.forEach(function (e) { last = render(e); });
    // A long answer is read from its title: show the top of a reply, the end of anything else.
    if (entry.from === "bot" && last) logEl.scrollTop = last.offsetTop - logEl.offsetTop - 8;
    else logEl.scrollTop = logEl.scrollHeight;
  }

  var busy = false;
  function send(body, shown) {
    if (busy) return;
    busy = true;
    add({ from: "me", text: shown });
    body.user = state.user;
    fetch(api + "/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (!res.ok) throw new Error(res.data.error || "Lỗi");
      res.data.replies.forEach(function (reply) {
        add({ from: "bot", text: reply.text, buttons: reply.buttons, image: reply.image_url });
      });
    }).catch(function (err) {
      add({ from: "bot", text: "Xin lỗi, chưa gửi được tin nhắn (" + err.message +
        "). Bạn thử lại sau ít phút nhé." });
    }).then(function () {
      busy = false;
      input.focus();
    });
  }

  function setOpen(open) {
    state.open = open;
    save();
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!state.log.length) send({ text: "/start" }, "Xin chào");
      input.focus();
    } else {
      bubble.focus();
    }
  }

  // Answers from ward staff (to feedback) wait on the server until the widget fetches them.
  var POLL_MS = 30000;
  function fetchUpdates() {
    fetch(api + "/api/chat/updates?user=" + encodeURIComponent(state.user))
      .then(function (r) { return r.ok ? r.json() : { replies: [] }; })
      .then(function (data) {
        if (!data.replies || !data.replies.length) return;
        data.replies.forEach(function (reply) {
          add({ from: "bot", text: reply.text, buttons: reply.buttons, image: reply.image_url });
        });
        if (panel.hidden) bubble.classList.add("unread");
      })
      .catch(function () { /* offline: try again at the next tick */ });
  }
  fetchUpdates();
  setInterval(fetchUpdates, POLL_MS);

  bubble.addEventListener("click", function () {
    bubble.classList.remove("unread");
    setOpen(panel.hidden);
  });
  root.querySelector(".close").addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });

  state.log.forEach(render);
  if (state.open) { panel.hidden = false; bubble.setAttribute("aria-expanded", "true"); }
})();

// The announcement form: how many residents the current choices reach, counted by the server
// (POST /staff/announcements/audience, with the form's CSRF token) as staff tick and type.
"use strict";

const form = document.querySelector("form[data-audience]");
if (form) {
  const box = document.getElementById("live-audience");
  const topics = document.getElementById("topics");
  const emergency = form.elements.emergency;
  let timer = null;
  let asked = 0;

  const show = (data) => {
    document.getElementById("live-total").textContent = data.total;
    const parts = data.channels.map((c) => `${c.name} ${c.count}`);
    document.getElementById("live-channels").textContent = parts.length ? `(${parts.join(", ")})` : "";
    document.getElementById("live-note").textContent = data.note || "";
    box.hidden = false;
  };

  const count = async () => {
    const mine = ++asked;
    const body = new FormData(form);
    body.delete("text"); // the words do not change who receives it
    try {
      const response = await fetch(form.dataset.audience, {
        method: "POST",
        body,
        credentials: "same-origin",
      });
      if (response.ok && mine === asked) show(await response.json());
    } catch (_) {
      // Offline for a moment: the page after saving still shows the count.
    }
  };

  const later = (event) => {
    if (event.target.name === "text") return;
    if (event.target === emergency) topics.disabled = emergency.checked; // one switch
    clearTimeout(timer);
    timer = setTimeout(count, 300);
  };

  topics.disabled = emergency.checked;
  form.addEventListener("change", later);
  form.addEventListener("input", later);
  count();
}

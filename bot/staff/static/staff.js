// The console's only script (its Content-Security-Policy allows no inline script).
"use strict";

// A canned reply chosen in the list goes where the cursor is in the reply box (what was
// typed stays); its placeholders were filled by the server for this record.
document.querySelectorAll("select[data-canned]").forEach((select) => {
  select.addEventListener("change", () => {
    const box = select.form.elements[select.dataset.canned];
    if (!select.value) return;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? start;
    let text = select.value; // a space between it and the words around it, none doubled
    if (start > 0 && !/\s/.test(box.value[start - 1])) text = " " + text;
    if (end < box.value.length && !/\s/.test(box.value[end])) text += " ";
    box.setRangeText(text, start, end, "end");
    select.value = "";
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
});

// What an officer typed before an error or an expired session comes back to the page it was
// typed on: the error or sign-in page keeps it for that page, the page puts it back once.
const KEPT = "kept:";
document.querySelectorAll("[data-keep-for]").forEach((kept) => {
  kept.querySelectorAll("[data-keep]").forEach((field) => {
    sessionStorage.setItem(KEPT + kept.dataset.keepFor + ":" + field.dataset.keep, field.value);
  });
});
document.querySelectorAll("main form textarea[name], main form input[name]").forEach((field) => {
  const key = KEPT + location.pathname + location.search + ":" + field.name;
  const value = sessionStorage.getItem(key);
  if (value === null || field.closest("[data-keep-for]")) return;
  if (!field.value) field.value = value;
  sessionStorage.removeItem(key);
});

// While a contest is open, refresh only its leaderboards: a whole-page reload would wipe a
// question being typed below.
const standings = document.querySelector("#standings[data-refresh]");
if (standings) {
  setInterval(async () => {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("standings");
    if (fresh) document.getElementById("standings").replaceWith(fresh);
  }, (Number(standings.dataset.refresh) || 30) * 1000);
}

// The console's only script (its Content-Security-Policy allows no inline script).
"use strict";

// A canned reply chosen in the list fills the reply box.
document.querySelectorAll("select[data-canned]").forEach((select) => {
  select.addEventListener("change", () => {
    select.form.elements[select.dataset.canned].value = select.value;
  });
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

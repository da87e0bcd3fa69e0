// The orders list: new orders appear without a reload. Every few seconds the page asks which orders were
// placed since the newest it shows; when there are some it says so and fetches itself again, replacing the
// counters, cards and rows (the search form is left alone: someone may be typing in it).
(() => {
  "use strict";
  const POLL_MS = 3000;
  const region = document.getElementById("orders-region");
  const toast = document.getElementById("new-orders");
  if (!region || !toast) return;
  let busy = false;
  let hideTimer = 0;

  function announce(numbers) {
    const list = numbers.map((n) => "#" + n).join(", ");
    toast.textContent = (numbers.length === 1 ? "New order " : "New orders ") + list;
    toast.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { toast.hidden = true; }, 15000);
  }

  async function refresh() {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const freshRegion = fresh.getElementById("orders-region");
    const freshTotal = fresh.getElementById("orders-total");
    if (freshRegion) region.replaceChildren(...freshRegion.childNodes);
    if (freshRegion) region.dataset.newest = freshRegion.dataset.newest;
    const total = document.getElementById("orders-total");
    if (freshTotal && total) { total.textContent = freshTotal.textContent; total.setAttribute("aria-label", freshTotal.getAttribute("aria-label")); }
  }

  async function poll() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const url = region.dataset.live + "?after=" + encodeURIComponent(region.dataset.newest || "0");
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.redirected || !response.ok) return;  // signed out meanwhile: the next click says so
      const body = await response.json();
      if (body.new && body.new.length) {
        announce(body.new);
        await refresh();
      }
    } catch (_) {
      // offline for a moment: the next poll tries again
    } finally {
      busy = false;
    }
  }

  setInterval(poll, POLL_MS);
})();

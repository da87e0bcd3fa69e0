// chatcart dashboard: small enhancements of pages that work without it. No inline scripts (the CSP forbids them).
(() => {
  "use strict";
  // The phone menu.
  const toggle = document.querySelector(".menu-toggle");
  const sidebar = document.querySelector(".sidebar");
  if (toggle && sidebar) {
    toggle.addEventListener("click", () => {
      const open = sidebar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // Confirm before a destructive action: <button data-confirm="Cancel this order?">.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  // Copy a value: <button data-copy="1001">, with a spoken confirmation.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    const status = document.getElementById("live-status");
    const value = button.dataset.copy;
    if (!value) { if (status) status.textContent = button.dataset.empty || "Nothing to copy"; return; }
    try { await navigator.clipboard.writeText(value); if (status) status.textContent = "Copied " + value; }
    catch (_) { if (status) status.textContent = "Copy failed: select and copy " + value; }
  });
  // Print: <button data-print>.
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
  });
})();

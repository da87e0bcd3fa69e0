// The order page and the new-order form: edit cards in place, pick products, show notices. Every form still
// works without this file (Edit links open a card on the server, the picker's choice is sent with Save).
(() => {
  "use strict";
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  // Edit: open a card's fields where it stands, and show the unsaved-changes banner with Save and Cancel.
  const banner = $("#unsaved");
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-edit]");
    if (!link) return;
    const card = document.getElementById(link.dataset.edit);
    const box = card && $(".card-edit", card);
    if (!box) return;
    event.preventDefault();
    box.disabled = false;
    box.hidden = false;
    const view = $(".card-view", card);
    if (view) view.hidden = true;
    link.hidden = true;
    if (banner) banner.hidden = false;
    const first = $("input:not([type=hidden]), select, textarea", box);
    if (first) first.focus();
  });

  // The product picker: the category and the search narrow the list; item fields show for their products.
  const category = $("#pick-category");
  const search = $("#pick-search");
  const product = $("#pick-product");
  function narrow() {
    if (!product) return;
    const wanted = category ? category.value : "";
    const words = search ? search.value.trim().toLowerCase() : "";
    for (const option of $$("option", product)) {
      if (!option.value) continue;
      const fits = (!wanted || option.dataset.category === wanted)
        && (!words || option.textContent.toLowerCase().includes(words));
      option.hidden = !fits;
      option.disabled = !fits;
    }
    if (product.selectedOptions[0] && product.selectedOptions[0].disabled) product.value = "";
    showItemFields();
  }
  function showItemFields() {
    const sku = product ? product.value : "";
    for (const box of $$("[data-item-field]")) {
      const only = (box.dataset.products || "").split(" ").filter(Boolean);
      box.hidden = Boolean(sku) ? (only.length > 0 && !only.includes(sku)) : only.length > 0;
    }
  }
  if (category) category.addEventListener("change", narrow);
  if (search) search.addEventListener("input", narrow);
  if (product) { product.addEventListener("change", showItemFields); showItemFields(); }

  // Add product: a new row of the lines table, sent with Save (the picker itself is then cleared).
  const add = $("#add-line");
  const rows = $("#line-rows");
  let added = 0;
  function hidden(name, value) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    return input;
  }
  if (add && rows && product) {
    add.hidden = false;
    add.addEventListener("click", () => {
      const option = product.selectedOptions[0];
      const status = document.getElementById("live-status");
      if (!option || !option.value) { if (status) status.textContent = "Choose a product first"; product.focus(); return; }
      const quantity = $("#pick-qty");
      const fields = {};
      for (const box of $$("[data-item-field]")) {
        const control = $("input, select", box);
        if (!box.hidden && control && control.value) fields[box.dataset.itemField] = control.value;
      }
      added += 1;
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.dataset.label = "Product";
      name.textContent = option.dataset.name + " ";
      const sku = document.createElement("span");
      sku.className = "hint";
      sku.textContent = option.value + Object.entries(fields).map(([k, v]) => ` · ${k}: ${v}`).join("");
      name.append(sku, hidden("line", "sku:" + option.value), hidden("line_fields", JSON.stringify(fields)));
      const qty = document.createElement("td");
      qty.dataset.label = "Qty";
      const label = document.createElement("label");
      label.className = "visually-hidden"; label.htmlFor = "new-qty-" + added;
      label.textContent = "Quantity of " + option.dataset.name;
      const input = document.createElement("input");
      input.className = "qty"; input.id = "new-qty-" + added; input.name = "line_qty"; input.type = "number";
      input.min = "0"; input.max = "10000"; input.value = quantity ? quantity.value || "1" : "1";
      qty.append(label, input);
      const price = document.createElement("td");
      price.dataset.label = "Price";
      price.textContent = option.dataset.price;
      const remove = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button"; button.className = "btn btn-small btn-danger";
      button.textContent = "Remove"; button.setAttribute("aria-label", "Remove " + option.dataset.name);
      button.addEventListener("click", () => { row.remove(); if (status) status.textContent = "Removed " + option.dataset.name; });
      remove.append(button);
      row.append(name, qty, price, remove);
      rows.append(row);
      if (status) status.textContent = "Added " + option.dataset.name + ". Save to keep it.";
      product.value = "";
      if (quantity) quantity.value = "1";
      showItemFields();
    });
  }

  // Pick an earlier customer (new-order form): their name, phone and email fill the fields.
  const known = $("#known-customer");
  if (known) {
    known.addEventListener("change", () => {
      const option = known.selectedOptions[0];
      if (!option || !option.value) return;
      const fill = { "#f-first_name": option.dataset.name, "#f-last_name": "",
        "#f-customer_phone": option.dataset.phone, "#f-customer_email": option.dataset.email };
      for (const [field, value] of Object.entries(fill)) {
        const input = $(field);
        if (input) input.value = value || "";
      }
    });
  }

  // Close the More menu when the click lands elsewhere, or once one of its actions is chosen.
  document.addEventListener("click", (event) => {
    const chosen = event.target.closest(".more-menu .menu-item");
    for (const menu of $$("details.more[open]")) {
      if (!menu.contains(event.target) || chosen) menu.open = false;
    }
  });

  // What the page says in its live region (copied, added…) is also shown for a moment, for sighted people.
  const live = document.getElementById("live-status");
  const toast = $("#toast");
  if (live && toast) {
    let timer = 0;
    new MutationObserver(() => {
      if (!live.textContent) return;
      toast.textContent = live.textContent;
      toast.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => { toast.hidden = true; }, 4000);
    }).observe(live, { childList: true, characterData: true, subtree: true });
  }
})();

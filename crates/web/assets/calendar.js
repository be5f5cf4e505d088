// The content calendar's progressive moves. Without this script every card that can move has
// its own "Move to" form; with it, a focused card moves by keyboard (arrow keys pick the day and
// the slot, Enter confirms, Escape cancels, each step announced in an aria-live region) or by
// dragging it onto another slot. Either way the card's own form is submitted with the new
// local time: the server schedules the post again, in the account's time zone.
"use strict";
(() => {
  const table = document.querySelector("table[data-calendar]");
  if (!table) return;
  const month = table.dataset.calendar === "month";
  const announce = document.getElementById("calendar-announce");
  const say = (text) => { if (announce) announce.textContent = text; };

  // Local times are naive wall-clock readings: computed on UTC dates so the browser's own
  // zone and its DST never shift them.
  const parse = (s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s || "");
    return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])) : null;
  };
  const pad = (n) => String(n).padStart(2, "0");
  const format = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const spoken = (d) => `${days[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]} at ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const slotKey = (d) => month ? format(d).slice(0, 10) : format(d).slice(0, 13);
  const cellFor = (d) => {
    for (const td of table.querySelectorAll("td[data-slot]")) {
      if ((month ? td.dataset.slot.slice(0, 10) : td.dataset.slot.slice(0, 13)) === slotKey(d)) return td;
    }
    return null;
  };
  const clearTarget = () => {
    for (const td of table.querySelectorAll("td.move-target")) td.classList.remove("move-target");
  };
  const title = (card) => (card.querySelector(".cal-line") || card).textContent.trim();
  const submit = (card, local) => {
    const form = card.querySelector("form.move-form");
    if (!form) return;
    form.elements.local_at.value = local;
    say(`Moving “${title(card)}” to ${spoken(parse(local))}…`);
    form.submit();
  };

  let moving = null; // { card, from: Date, to: Date }
  const cancel = () => {
    if (!moving) return;
    moving.card.classList.remove("moving");
    clearTarget();
    say(`Move cancelled; “${title(moving.card)}” stays at ${spoken(moving.from)}.`);
    moving = null;
  };

  table.addEventListener("keydown", (e) => {
    const card = e.target.closest && e.target.closest("[data-movable]");
    if (!card || e.target !== card) return;
    const steps = {
      ArrowLeft: -24 * 60, ArrowRight: 24 * 60,
      ArrowUp: month ? -7 * 24 * 60 : -60, ArrowDown: month ? 7 * 24 * 60 : 60,
    };
    if (e.key in steps) {
      e.preventDefault();
      if (!moving || moving.card !== card) {
        cancel();
        const from = parse(card.dataset.localAt);
        if (!from) return;
        moving = { card, from, to: from };
        card.classList.add("moving");
      }
      moving.to = new Date(moving.to.getTime() + steps[e.key] * 60000);
      clearTarget();
      const cell = cellFor(moving.to);
      if (cell) cell.classList.add("move-target");
      say(`“${title(card)}” to ${spoken(moving.to)}. Enter to confirm, Escape to cancel.`);
    } else if (e.key === "Enter" && moving && moving.card === card) {
      e.preventDefault();
      submit(card, format(moving.to));
    } else if (e.key === "Escape" && moving) {
      e.preventDefault();
      cancel();
    }
  });
  table.addEventListener("focusout", (e) => {
    if (moving && e.target === moving.card && !moving.card.contains(e.relatedTarget)) cancel();
  });

  // Dragging: the card keeps its time of day in the month view, takes the slot's hour in
  // the week view (keeping its minutes).
  let dragged = null;
  table.addEventListener("dragstart", (e) => {
    const card = e.target.closest && e.target.closest("[data-movable]");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.postId);
    say(`Dragging “${title(card)}”.`);
  });
  table.addEventListener("dragover", (e) => {
    const td = e.target.closest && e.target.closest("td[data-slot]");
    if (!dragged || !td) return;
    e.preventDefault();
    clearTarget();
    td.classList.add("move-target");
  });
  table.addEventListener("dragend", () => { dragged = null; clearTarget(); });
  table.addEventListener("drop", (e) => {
    const td = e.target.closest && e.target.closest("td[data-slot]");
    if (!dragged || !td) return;
    e.preventDefault();
    const from = parse(dragged.dataset.localAt);
    const slot = parse(td.dataset.slot);
    if (!from || !slot) return;
    const to = month
      ? new Date(Date.UTC(slot.getUTCFullYear(), slot.getUTCMonth(), slot.getUTCDate(), from.getUTCHours(), from.getUTCMinutes()))
      : new Date(slot.getTime() + from.getUTCMinutes() * 60000);
    const card = dragged;
    dragged = null;
    clearTarget();
    if (to.getTime() !== from.getTime()) submit(card, format(to));
  });
})();

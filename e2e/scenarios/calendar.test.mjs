// The content calendar: an approved post is scheduled by picking an empty slot of the week
// view (a plain form), then its card is moved with the keyboard alone (arrow keys, Enter) to
// another day and hour; the API then shows it scheduled at the UTC time of that local time in
// the account's zone (Europe/Berlin), and a move cancelled with Escape changes nothing. A drag
// onto another slot moves it too.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  MOBILE, api, apiToken, checkA11y, createCartridge, createSandboxAccount, expectFitsWidth, expectNoErrors, launch,
  screenshotBoth, session, signUp, visit,
} from "../lib/harness.mjs";

const ZONE = "Europe/Berlin";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Today's date in `zone`, as `YYYY-MM-DD`. */
function todayIn(zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
}

/** `days` after the date `ymd`. */
function addDays(ymd, days) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant at which clocks in `zone` read `local` (`YYYY-MM-DDTHH:MM`, not near a DST change). */
function instantOf(local, zone) {
  const naive = Date.parse(`${local}:00Z`);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).formatToParts(new Date(naive)).map((p) => [p.type, p.value]),
  );
  const shown = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`);
  return new Date(naive - (shown - naive));
}

/** An approved post of `account` written through the API; its id. */
async function approvedPost(token, cartridge, account, body) {
  const created = await api("POST", "/api/v1/posts", {
    token, body: { body, cartridge_id: cartridge, linkedin_account_id: account },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const step of ["submit", "approve"]) {
    const r = await api("POST", `/api/v1/posts/${created.body.id}/${step}`, { token, body: {} });
    assert.equal(r.status, 200, `${step}: ${JSON.stringify(r.body)}`);
  }
  return created.body.id;
}

test("schedule a post from a slot and move it by keyboard in the account's time zone", async () => {
  const s = await session(browser);
  const owner = await signUp(s, { who: "cal", workspace: "Cal Agency" });
  const token = await apiToken(owner);
  const cartridge = await createCartridge(token, "Bistro Client");
  const account = await createSandboxAccount(token, "Bistro LinkedIn");
  const pacing = await api("PATCH", `/api/v1/linkedin-accounts/${account}/pacing`, { token, body: { time_zone: ZONE } });
  assert.equal(pacing.status, 200, JSON.stringify(pacing.body));
  const post = await approvedPost(token, cartridge, account, "Stop fixing, start asking.\nWhat do you ask first?");

  // Two days from today in Berlin, 09:00: an empty slot of the week view.
  const day = addDays(todayIn(ZONE), 2);
  const calendar = `/calendar?view=week&date=${day}&account_id=${account}`;
  await s.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calendar" }).click();
  await s.page.getByRole("heading", { level: 1, name: "Content calendar" }).waitFor();
  await visit(s, calendar, "calendar-week");

  // Picking the slot offers the approved post; scheduling it is a plain form.
  const slot = s.page.locator(`td[data-slot="${day}T09:00"] a.slot-add`);
  await slot.click();
  await s.page.getByRole("heading", { name: "Schedule a post" }).waitFor();
  await checkA11y(s.page);
  assert.equal(await s.page.getByLabel(`Publish at (${ZONE})`).inputValue(), `${day}T09:00`);
  await s.page.getByLabel("Approved post").selectOption(post);
  await s.page.getByRole("button", { name: "Schedule", exact: true }).click();
  const card = s.page.locator(`[data-post-id="${post}"]`);
  await card.waitFor();
  let p = await api("GET", `/api/v1/posts/${post}`, { token });
  assert.equal(p.body.status, "scheduled");
  assert.equal(new Date(p.body.scheduled_at).toISOString(), instantOf(`${day}T09:00`, ZONE).toISOString());

  // Keyboard: a day later and an hour later, announced; Escape cancels.
  await card.focus();
  await s.page.keyboard.press("ArrowRight");
  const announce = s.page.locator("#calendar-announce");
  assert.match(await announce.innerText(), /Enter to confirm, Escape to cancel/);
  await s.page.keyboard.press("Escape");
  assert.match(await announce.innerText(), /Move cancelled/);
  p = await api("GET", `/api/v1/posts/${post}`, { token });
  assert.equal(new Date(p.body.scheduled_at).toISOString(), instantOf(`${day}T09:00`, ZONE).toISOString());

  await card.focus();
  await s.page.keyboard.press("ArrowRight");
  await s.page.keyboard.press("ArrowDown");
  const next = addDays(day, 1);
  assert.match(await announce.innerText(), /at 10:00/);
  await Promise.all([s.page.waitForNavigation(), s.page.keyboard.press("Enter")]);
  await s.page.locator(`[data-post-id="${post}"]`).waitFor();

  // The API: scheduled at 10:00 the next day on Berlin's clocks, in UTC.
  p = await api("GET", `/api/v1/posts/${post}`, { token });
  assert.equal(p.body.status, "scheduled");
  const want = instantOf(`${next}T10:00`, ZONE);
  assert.equal(new Date(p.body.scheduled_at).toISOString(), want.toISOString());
  const listed = await api("GET", `/api/v1/calendar?from=${next}&to=${next}&account_id=${account}`, { token });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const item = listed.body.items.find((i) => i.id === post);
  assert.equal(item.local_at, `${next}T10:00`);
  assert.equal(item.time_zone, ZONE);

  // Dragging the card onto 14:00 the same day moves it there (the drag events dispatched to
  // the script: headless Chromium does not drag HTML5 draggables with the mouse).
  const target = s.page.locator(`td[data-slot="${next}T14:00"]`);
  const dataTransfer = await s.page.evaluateHandle(() => new DataTransfer());
  await s.page.locator(`[data-post-id="${post}"]`).dispatchEvent("dragstart", { dataTransfer });
  await target.dispatchEvent("dragover", { dataTransfer });
  await Promise.all([s.page.waitForNavigation(), target.dispatchEvent("drop", { dataTransfer })]);
  await s.page.locator(`td[data-slot="${next}T14:00"] [data-post-id="${post}"]`).waitFor();
  p = await api("GET", `/api/v1/posts/${post}`, { token });
  assert.equal(new Date(p.body.scheduled_at).toISOString(), instantOf(`${next}T14:00`, ZONE).toISOString());

  // The card's preview shows the post as in the feed, with its length.
  const moved = s.page.locator(`[data-post-id="${post}"]`);
  await moved.getByText("Preview").click();
  await moved.getByText(/\/ 3000 characters/).waitFor();
  await checkA11y(s.page);
  await screenshotBoth(s.page, "calendar-moved");

  // The month view, and the phone-size layout.
  await visit(s, `/calendar?view=month&date=${day}&account_id=${account}`, "calendar-month");
  await s.page.setViewportSize(MOBILE);
  await expectFitsWidth(s.page);
  expectNoErrors(s);
  await s.context.close();
});

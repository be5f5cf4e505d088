// The notification centre in the browser: a post submitted for approval (through the API, as
// a teammate would) becomes a notification once the notifier has read the event log; the bell
// counts it, the centre lists it, marking read clears the bell, the preferences form saves,
// and a second workspace sees none of it. (Replies and accounts needing reconnection reach the
// same centre from Unipile's webhooks; the API tests cover them against the fake Unipile.)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  api, apiToken, createCartridge, expectFitsWidth, expectNoErrors, launch, session, signUp, tabTo,
  visit,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Reloads `page` until the bell shows `count` (the notifier runs seconds after an event). */
async function bellShows(page, count) {
  for (let i = 0; i < 40; i += 1) {
    const badge = page.locator("#bell-count");
    if ((await badge.count()) > 0 && (await badge.innerText()).trim() === String(count)) return;
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.fail(`the bell never showed ${count}`);
}

test("a submitted post notifies its workspace: bell, centre, mark read, preferences", async () => {
  const a = await session(browser);
  const owner = await signUp(a, { who: "nia", workspace: "Nia Notes" });
  const token = await apiToken(owner);
  const cartridge = await createCartridge(token, "Nia's voice");
  const created = await api("POST", "/api/v1/posts", { token, body: { body: "Managers: ask before you fix.", cartridge_id: cartridge } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const submitted = await api("POST", `/api/v1/posts/${created.body.id}/submit`, { token });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));

  await a.page.goto("/");
  await bellShows(a.page, 1);
  await tabTo(a.page, "bell");
  await a.page.keyboard.press("Enter");
  await a.page.waitForURL(/\/notifications$/);
  await visit(a, "/notifications", "notifications");
  await expectFitsWidth(a.page);
  const item = a.page.getByRole("link", { name: "A post awaits approval" });
  await item.waitFor();
  assert.equal(await item.getAttribute("href"), `/posts/${created.body.id}`);

  await a.page.getByRole("button", { name: "Mark read: A post awaits approval" }).click();
  await a.page.getByText("Marked as read.").waitFor();
  assert.equal(await a.page.locator("#bell-count").count(), 0);
  const unread = await api("GET", "/api/v1/notifications/unread", { token });
  assert.equal(unread.body.unread, 0);

  // Preferences: approvals off in-app, saved through the form.
  await a.page.getByLabel("A post awaits approval in RevOS").uncheck();
  await a.page.getByRole("button", { name: "Save preferences" }).click();
  await a.page.getByText("Your preferences are saved.").waitFor();
  assert.equal(await a.page.getByLabel("A post awaits approval in RevOS").isChecked(), false);
  assert.equal(await a.page.getByLabel("A lead replied in RevOS").isChecked(), true);
  const prefs = await api("GET", "/api/v1/notifications/preferences", { token });
  assert.equal(prefs.body.items.find((p) => p.kind === "post_awaiting_approval").in_app, false);
  assert.equal(await a.page.getByRole("link", { name: "A post awaits approval" }).count(), 0);

  // A second workspace sees none of it.
  const b = await session(browser);
  const other = await signUp(b, { who: "oli", workspace: "Oli Outreach" });
  await visit(b, "/notifications", "notifications-empty");
  assert.equal(await b.page.locator("#bell-count").count(), 0);
  assert.equal(await b.page.locator("#notification-list").count(), 0);
  assert.equal(await b.page.getByRole("link", { name: "A post awaits approval" }).count(), 0);
  const list = await api("GET", "/api/v1/notifications", { token: await apiToken(other) });
  assert.deepEqual(list.body.items, []);

  expectNoErrors(a);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});

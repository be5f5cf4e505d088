// The agency overview: a person with two workspaces sees both side by side with their
// figures, creates a third client workspace from the page (keyboard only), and switches into
// it from its row.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  api, apiToken, checkA11y, expectNoErrors, launch, screenshotBoth, session, signUp, tabTo, visit,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the overview shows every workspace, creates one and switches into it", async () => {
  const s = await session(browser);
  const owner = await signUp(s, { who: "ova", workspace: "Ova Agency" });
  const token = await apiToken(owner);
  const second = await api("POST", "/api/v1/workspaces", { token, body: { name: "Bistro Client" } });
  assert.equal(second.status, 201, JSON.stringify(second.body));

  // Reached from the navigation.
  await s.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
  await s.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  await visit(s, "/overview", "overview");
  const rows = s.page.locator("table.overview tbody tr");
  assert.equal(await rows.count(), 2);
  await s.page.getByRole("row", { name: /Ova Agency/ }).waitFor();
  await s.page.getByRole("row", { name: /Bistro Client/ }).waitFor();
  const bistro = s.page.getByRole("row", { name: /Bistro Client/ });
  assert.equal(await bistro.locator('[data-figure="posts_waiting"]').innerText(), "0");

  // A new client workspace, from the keyboard alone.
  await tabTo(s.page, "new-workspace-name");
  await s.page.keyboard.type("Cafe Client");
  await s.page.keyboard.press("Enter");
  await s.page.getByRole("row", { name: /Cafe Client/ }).waitFor();
  assert.equal(await rows.count(), 3);
  await checkA11y(s.page);

  // Switch into it from its row: the switcher then names it.
  await s.page.getByRole("button", { name: "Open Cafe Client" }).click();
  await s.page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  const selected = await s.page.locator("#workspace-switch option:checked").innerText();
  assert.equal(selected.trim(), "Cafe Client");
  const me = await api("GET", "/api/v1/overview", { token });
  assert.deepEqual(me.body.workspaces.map((w) => w.name), ["Ova Agency", "Bistro Client", "Cafe Client"]);
  assert.ok(me.body.workspaces.every((w) => w.role === "owner"));
  await screenshotBoth(s.page, "overview-switched");
  expectNoErrors(s);
  await s.context.close();
});

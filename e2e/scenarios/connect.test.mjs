// Connecting a LinkedIn account from Settings through Unipile's hosted-auth link (the fake
// Unipile that browser.rs starts serves the hosted page; finishing it posts the notice back to
// RevOS), then the account's page: status and owner, the pacing edited (time zone), paused
// and resumed; a second workspace sees none of it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE, MOBILE, api, apiToken, checkA11y, expectFitsWidth, expectNoErrors, launch, screenshotBoth, session,
  signUp, tabTo, visit,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("connect LinkedIn through the hosted link, then edit, pause and resume the account", async () => {
  const a = await session(browser);
  const owner = await signUp(a, { who: "cora", workspace: "Cora Connects" });
  await visit(a, "/settings", "settings-connect");
  const { page } = a;

  // The hosted link, on a page of its own, opened with the keyboard.
  await page.getByLabel("Name shown in RevOS (optional)").first().fill("Cora Sales");
  await page.getByRole("button", { name: "Connect LinkedIn" }).click();
  await page.getByRole("heading", { level: 1, name: "Connect LinkedIn" }).waitFor();
  assert.match(await page.getByLabel("Link to send").inputValue(), /\/hosted\//);
  await checkA11y(page);
  await screenshotBoth(page, "connect-link");
  await page.setViewportSize(MOBILE);
  await expectFitsWidth(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await tabTo(page, "open-hosted-link");
  await page.keyboard.press("Enter");

  // Unipile's page (the fake): finishing it notifies RevOS and comes back to the settings.
  await page.getByRole("button", { name: "Connect your LinkedIn account" }).click();
  await page.waitForURL(`${BASE}/settings?done=connected#accounts`);
  await page.getByRole("status").filter({ hasText: "Unipile connected the account" }).waitFor();
  const link = page.getByRole("link", { name: "Cora Sales" });
  await link.waitFor();
  const href = await link.getAttribute("href");
  const accountId = href.split("/").pop();

  // The account's page: status, owner, limits; the time zone edited.
  await visit(a, href, "account-connected");
  assert.equal(await page.locator("#account-status-text").innerText(), "ok");
  assert.match(await page.locator("#account-owner").innerText(), /^ACoOwnerOf/);
  await page.getByLabel(/Time zone/).fill("Europe/Berlin");
  await page.getByRole("button", { name: "Save pacing" }).click();
  await page.getByRole("status").filter({ hasText: "The pacing was saved." }).waitFor();
  assert.match(await page.locator("#pacing-now").innerText(), /Europe\/Berlin/);

  // Paused from the keyboard, then resumed.
  await tabTo(page, "pause-account");
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: "The account is paused" }).waitFor();
  assert.match(await page.locator("#waiting-reason").innerText(), /nothing is sent until someone resumes/);
  assert.equal(await page.locator("#account-status-text").innerText(), "paused");
  await page.setViewportSize(MOBILE);
  await expectFitsWidth(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole("button", { name: "Resume sending" }).click();
  await page.getByRole("status").filter({ hasText: "The account is resumed." }).waitFor();
  assert.equal(await page.locator("#account-status-text").innerText(), "ok");
  const tokenA = await apiToken(owner);
  const mine = await api("GET", `/api/v1/linkedin-accounts/${accountId}`, { token: tokenA });
  assert.equal(mine.status, 200);
  assert.equal(mine.body.provider, "unipile");
  assert.equal(mine.body.pacing.time_zone, "Europe/Berlin");
  assert.equal(mine.body.paused_until, null);
  expectNoErrors(a);

  // A second workspace sees none of it.
  const b = await session(browser);
  const other = await signUp(b, { who: "dex", workspace: "Dex Outreach" });
  await visit(b, "/settings", "settings-other-workspace");
  assert.doesNotMatch(await b.page.locator("main").innerText(), /Cora Sales/);
  b.allowed.push(new RegExp(`^/accounts/${accountId}$`));
  const response = await b.page.goto(href);
  assert.equal(response.status(), 404, `GET ${href} as the other workspace`);
  assert.doesNotMatch(await b.page.content(), /Cora Sales|ACoOwnerOf/);
  const tokenB = await apiToken(other);
  assert.equal((await api("GET", `/api/v1/linkedin-accounts/${accountId}`, { token: tokenB })).status, 404);
  const list = await api("GET", "/api/v1/linkedin-accounts", { token: tokenB });
  assert.deepEqual(list.body.items, []);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});

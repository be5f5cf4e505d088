// The floating chat, from the keyboard alone: open it, pick the client, create a campaign.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  api, apiToken, ask, checkA11y, createCartridge, createSandboxAccount, expectNoErrors, launch, openChat, screenshotBoth,
  session, signUp,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the chat creates a campaign for the chosen client and links to it", async () => {
  const s = await session(browser);
  const { page } = s;
  const account = await signUp(s, { who: "cara", workspace: "Cara Consulting" });
  const token = await apiToken(account);
  const cartridgeId = await createCartridge(token, "Acme Coaching");
  await createSandboxAccount(token, "Cara");
  await page.reload(); // the client selector lists the new cartridge

  await openChat(page);
  // The client selector, still from the keyboard: Shift+Tab back to it, arrow to the client.
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "chat-client");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.getByLabel("Client").inputValue(), cartridgeId, "the client is picked");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "chat-input");

  const answer = await ask(page, "create campaign Spring Guide trigger GUIDE magnet 'Hiring checklist'");
  const card = page.locator("#chat-log .tool-card", { hasText: "Campaign created" });
  assert.equal(await card.count(), 1, `one "Campaign created" card in the chat:\n${answer}`);
  assert.doesNotMatch(await card.getAttribute("class"), /failed/);
  const open = card.getByRole("link", { name: "Open" });
  const href = await open.getAttribute("href");
  const [, campaignId] = href.match(/^\/campaigns\/([0-9a-f-]{36})$/) || [];
  assert.ok(campaignId, `the card links to the campaign: ${href}`);
  await checkA11y(page);
  await screenshotBoth(page, "chat-open");

  // The campaign exists, for that client, in this workspace.
  const { status, body } = await api("GET", `/api/v1/campaigns/${campaignId}`, { token });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.name, "Spring Guide");
  assert.equal(body.cartridge_id, cartridgeId);
  assert.deepEqual(body.trigger_words, ["GUIDE"]);
  assert.equal(body.lead_magnet.title, "Hiring checklist");

  // And the dashboard lists it, marked as sandbox data.
  await page.reload();
  const row = page.getByRole("row", { name: /Spring Guide/ });
  await row.waitFor();
  assert.match(await row.innerText(), /Sandbox/);
  expectNoErrors(s);
  await s.context.close();
});

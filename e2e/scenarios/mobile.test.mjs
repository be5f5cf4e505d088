// At 390x844: nothing is wider than the screen, and the chat can be reached and used.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MOBILE, ask, checkA11y, expectFitsWidth, expectNoErrors, launch, openChat, screenshotBoth, session, signUp } from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the dashboard and the chat work at 390x844", async () => {
  const s = await session(browser, { viewport: MOBILE });
  const { page } = s;
  await signUp(s, { who: "ivy", workspace: "Ivy Mobile" });
  await expectFitsWidth(page);

  await openChat(page);
  const panel = await page.getByRole("region", { name: "Agents" }).boundingBox();
  assert.ok(panel.x >= 0 && panel.x + panel.width <= MOBILE.width + 1, `the chat fits the width: ${JSON.stringify(panel)}`);
  assert.ok(panel.y >= 0 && panel.y + panel.height <= MOBILE.height + 1, `the chat fits the height: ${JSON.stringify(panel)}`);
  const input = await page.getByLabel("Message").boundingBox();
  assert.ok(input.y + input.height <= MOBILE.height, "the message box is on screen");

  const log = await ask(page, "help");
  assert.match(log, /create campaign/, "the chat answers with its commands");
  await checkA11y(page);
  await screenshotBoth(page, "chat-help");

  // Escape closes it and gives the focus back to the Chat button.
  await page.keyboard.press("Escape");
  assert.equal(await page.getByRole("region", { name: "Agents" }).isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "chat-toggle");
  await expectFitsWidth(page);
  expectNoErrors(s);
  await s.context.close();
});

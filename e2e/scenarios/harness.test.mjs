// The harness's own checks can fail: the accessibility check names unlabelled controls and
// unnamed buttons, and the error collector catches console errors, page errors and failed
// requests (so a page that passes them really is clean).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, checkA11y, expectNoErrors, launch, session } from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the accessibility check accepts labelled controls and names the unlabelled ones", async () => {
  const s = await session(browser);
  const { page } = s;
  await page.setContent(`<main>
    <label for="a">A</label><input id="a">
    <label>B <select id="b"><option>x</option></select></label>
    <textarea id="c" aria-label="C"></textarea>
    <span id="d-label">D</span><input id="d" aria-labelledby="d-label">
    <input type="hidden" name="_csrf">
    <button>Send</button><button aria-label="Close"></button></main>`);
  await checkA11y(page);

  await page.setContent(`<main><input id="lonely"><label for="other">X</label><textarea></textarea>
    <button><svg></svg></button><label for="empty"> </label><select id="empty"></select></main>`);
  await assert.rejects(checkA11y(page), (err) => {
    assert.match(err.message, /no label: <input id="lonely">/);
    assert.match(err.message, /no label: <textarea>/);
    assert.match(err.message, /no label: <select id="empty">/);
    assert.match(err.message, /button without a name: <button>/);
    return true;
  });
  await s.context.close();
});

test("the error collector catches console errors, page errors and failed requests", async () => {
  const s = await session(browser);
  const { page } = s;
  await page.goto("/login");
  expectNoErrors(s);
  await page.evaluate(() => console.error("boom"));
  await page.evaluate(() => setTimeout(() => { throw new Error("uncaught"); }));
  await page.evaluate((base) => fetch(`${base}/no-such-page`).catch(() => {}), BASE);
  await page.waitForTimeout(200);
  assert.throws(() => expectNoErrors(s), (err) => {
    assert.match(err.message, /console error .*boom/);
    assert.match(err.message, /uncaught error .*uncaught/);
    assert.match(err.message, /HTTP 404 for GET .*\/no-such-page/);
    return true;
  });
  // A status asserted on purpose is not an error.
  s.errors.length = 0;
  s.allowed.push(/^\/no-such-page$/);
  await page.evaluate((base) => fetch(`${base}/no-such-page`).catch(() => {}), BASE);
  await page.waitForTimeout(200);
  expectNoErrors(s);
  await s.context.close();
});

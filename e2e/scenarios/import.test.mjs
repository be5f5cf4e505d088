// The CSV import on a campaign's page (issue 21, item 4): upload a small file with one bad
// row, see the guessed mapping with the first rows, adjust a column the guess left out,
// check again, import, and read the result with the bad row's line and field.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  api, apiToken, checkA11y, createSandboxAccount, expectNoErrors, launch, screenshotBoth, session, signUp, visit,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CSV = [
  "Name,Profile,Email,Firm",
  "Ada Lovelace,https://www.linkedin.com/in/ada-lovelace/,ada@example.com,Analytical Engines",
  "Not A Profile,https://example.com/someone,nobody@example.com,Nowhere Ltd",
  "Alan Turing,https://www.linkedin.com/in/alan-turing/,alan@example.com,Bletchley Park",
  "",
].join("\n");

test("a CSV with one bad row imports through the campaign's page", async () => {
  const s = await session(browser);
  const owner = await signUp(s, { who: "ima", workspace: "Import Agency" });
  const token = await apiToken(owner);
  const account = await createSandboxAccount(token, "Ima");
  const made = await api("POST", "/api/v1/campaigns", {
    token,
    body: {
      name: "Imported people",
      linkedin_account_id: account,
      lead_magnet: { title: "The Playbook", url: "https://acme.io/playbook" },
      trigger_words: ["GUIDE"],
      watched_posts: ["7332661864792854528"],
      dm_template: "Hi {{ first_name }}: {{ lead_magnet_url }}",
    },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const campaign = made.body.id;
  const activated = await api("POST", `/api/v1/campaigns/${campaign}/activate`, { token, body: {} });
  assert.equal(activated.status, 200, JSON.stringify(activated.body));

  // From the campaign's page to the upload step.
  await visit(s, `/campaigns/${campaign}`, "campaign-with-import");
  await s.page.getByRole("link", { name: "Import leads (CSV)" }).click();
  await s.page.getByRole("heading", { level: 1, name: /Import leads \(CSV\)/ }).waitFor();
  await checkA11y(s.page);
  await s.page.getByLabel("CSV file").setInputFiles({
    name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(CSV),
  });
  await s.page.getByRole("button", { name: "Preview" }).click();

  // The mapping step: a select per column with the guess, and the first rows.
  await s.page.getByRole("heading", { name: "2. Check what each column holds" }).waitFor();
  await checkA11y(s.page);
  assert.equal(await s.page.getByLabel("Column “Name” holds").inputValue(), "name");
  assert.equal(await s.page.getByLabel("Column “Profile” holds").inputValue(), "linkedin_url");
  assert.equal(await s.page.getByLabel("Column “Firm” holds").inputValue(), "");
  await s.page.getByRole("cell", { name: "Ada Lovelace" }).waitFor();
  await screenshotBoth(s.page, "import-mapping");

  // The firm is the company: chosen, checked again, then imported.
  await s.page.getByLabel("Column “Firm” holds").selectOption("company");
  await s.page.getByRole("button", { name: "Check again" }).click();
  await s.page.getByText("would be imported").waitFor();
  assert.equal(await s.page.getByLabel("Column “Firm” holds").inputValue(), "company");
  await s.page.getByRole("button", { name: "Import 2 leads" }).click();

  // The result: the counts, and the bad row by its line and field.
  await s.page.getByRole("heading", { name: "Imported", exact: true }).waitFor();
  await checkA11y(s.page);
  assert.equal(await s.page.locator("#result-imported").innerText(), "2");
  assert.equal(await s.page.locator("#result-invalid").innerText(), "1");
  const bad = s.page.locator("#import-errors tbody tr");
  assert.equal(await bad.count(), 1);
  assert.equal(await bad.locator("td").nth(0).innerText(), "3");
  assert.equal(await bad.locator("td").nth(1).innerText(), "linkedin url");
  await screenshotBoth(s.page, "import-result");

  const leads = await api("GET", "/api/v1/leads", { token });
  assert.deepEqual(leads.body.items.map((l) => [l.name, l.company]), [
    ["Ada Lovelace", "Analytical Engines"],
    ["Alan Turing", "Bletchley Park"],
  ]);
  expectNoErrors(s);
  await s.context.close();
});

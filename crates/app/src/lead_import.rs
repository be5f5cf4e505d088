//! CSV import of leads into a campaign. The file is read record by record (never held as
//! rows), [`BATCH`] valid rows at a time: each batch asks the workspace once which of its
//! people it knows (by LinkedIn profile or email), inserts the new ones in one statement and
//! lets each enter the campaign the way a commenter does ([`enter_campaign`]), in one
//! transaction per batch; the batch's new leads then enter the campaign the way a commenter
//! does ([`enter_campaign`]) through [`EnterImported`] jobs queued in that transaction, so a
//! large file is answered at once and its people join the campaign within moments,
//! durably (a failed job is retried; a lead joins a campaign once). People already in the workspace (or earlier in the file) are
//! duplicates, people on the do-not-contact list are skipped and counted, and every bad row
//! is reported with its line and field. A dry run does all of it but write, so a user can
//! check the mapping and the errors first. Any member may import, like campaigns.

use crate::outreach::context;
use crate::outreach::entry::{Entry, enter_campaign};
use crate::{App, AppError, Principal, Result};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use revos_domain::campaign::CampaignStatus;
use revos_domain::lead_import::{ColumnMapping, ImportedLead};
use revos_domain::{TenantId, ValidationErrors};
use revos_store::Backend;
use revos_store::lead_import::{self as store, BATCH};
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;

/// Batches written at once on PostgreSQL (each in its own transaction and connection: the
/// file's own duplicates are gone before a batch forms, so batches never touch one person).
/// SQLite has one writer, so its batches go one after the other.
const POSTGRES_BATCHES_AT_ONCE: usize = 4;

/// Imported leads that enter the campaign per job (one transaction each).
pub(crate) const LEADS_PER_ENTRY_JOB: usize = 100;

/// The most row errors a report lists (the count of bad rows is always whole).
const MAX_LISTED_ERRORS: usize = 1000;

/// One problem of one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LeadImportRowError))]
pub struct RowError {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// The field at fault: `name`, `linkedin_url`, `email`, `company`, `title`, or `row`
    /// when the row could not be read at all.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LeadImportReport))]
pub struct ImportReport {
    /// True when nothing was written.
    pub dry_run: bool,
    /// The file's header row.
    pub columns: Vec<String>,
    /// The mapping used: the one given, else the one guessed from the headers.
    pub mapping: ColumnMapping,
    /// Data rows read.
    pub rows: u64,
    /// New leads that entered the campaign.
    pub imported: u64,
    /// Rows whose person the workspace already had, or that an earlier row named.
    pub duplicates: u64,
    /// Rows whose person is on the do-not-contact list: skipped.
    pub do_not_contact: u64,
    /// Rows with at least one error.
    pub invalid: u64,
    /// The errors, in file order (at most 1,000).
    pub errors: Vec<RowError>,
}

/// What one batch did.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    imported: u64,
    duplicates: u64,
    do_not_contact: u64,
}

/// What one import works with.
struct Import<'a> {
    who: &'a Principal,
    campaign: Uuid,
    account: Uuid,
    sandbox: bool,
    dry_run: bool,
}

impl App {
    /// Imports the leads of a CSV file (UTF-8, comma-separated, a header row first) into
    /// `campaign`, reading columns by `mapping` (default: guessed from the headers). The
    /// campaign must be active or paused, since its new leads are queued at once.
    pub async fn import_leads(
        &self,
        who: &Principal,
        campaign: Uuid,
        csv: &[u8],
        mapping: Option<ColumnMapping>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let ctx = {
            let mut tx = self.store.begin_read_for(who.tenant).await?;
            context::read(&mut tx, who.tenant, campaign, None).await?
        };
        if !matches!(
            ctx.row.status,
            CampaignStatus::Active | CampaignStatus::Paused
        ) {
            return Err(AppError::Conflict(format!(
                "the campaign is {}: leads are imported into an active or paused campaign",
                ctx.row.status.as_str()
            )));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(csv);
        let headers = reader
            .headers()
            .map_err(|e| ValidationErrors::single("file", format!("is not readable CSV: {e}")))?
            .clone();
        let columns: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
        if columns.iter().all(String::is_empty) {
            return Err(ValidationErrors::single("file", "has no header row").into());
        }
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mapping = mapping.unwrap_or_else(|| ColumnMapping::guess(&names));
        let problems = mapping.check(columns.len());
        if !problems.is_empty() {
            return Err(ValidationErrors(problems).into());
        }
        let job = Import {
            who,
            campaign,
            account: ctx.account.id,
            sandbox: ctx.account.is_sandbox,
            dry_run,
        };
        let mut report = ImportReport {
            dry_run,
            columns: columns.clone(),
            mapping: mapping.clone(),
            ..ImportReport::default()
        };
        let mut seen_ids: HashSet<String> = HashSet::new();
        let mut seen_emails: HashSet<String> = HashSet::new();
        let at_once = match self.store.backend() {
            Backend::Postgres => POSTGRES_BATCHES_AT_ONCE,
            Backend::Sqlite => 1,
        };
        let mut running = FuturesUnordered::new();
        let mut batch: Vec<ImportedLead> = Vec::with_capacity(BATCH);
        let mut record = csv::StringRecord::new();
        let mut lines = LineCounter::default();
        loop {
            let line = reader.position().line() + 1;
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    report.rows += 1;
                    bad_row(
                        &mut report,
                        line,
                        "row",
                        format!("is not readable CSV: {e}"),
                    );
                    continue;
                }
            }
            report.rows += 1;
            let line = record
                .position()
                .map_or(line, |p| lines.line_at(csv, p.byte()));
            let cells: Vec<&str> = record.iter().collect();
            let lead = match ImportedLead::parse(&cells, &mapping) {
                Ok(lead) => lead,
                Err(errors) => {
                    report.invalid += 1;
                    for e in errors {
                        list_error(&mut report, line, e.field, e.message);
                    }
                    continue;
                }
            };
            let again = !seen_ids.insert(lead.provider_id.clone())
                | lead
                    .email
                    .as_ref()
                    .is_some_and(|e| !seen_emails.insert(e.clone()));
            if again {
                report.duplicates += 1;
                continue;
            }
            batch.push(lead);
            if batch.len() == BATCH {
                if running.len() == at_once {
                    add(
                        &mut report,
                        running.next().await.unwrap_or(Ok(Counts::default()))?,
                    );
                }
                running.push(self.import_batch(&job, std::mem::take(&mut batch)));
            }
        }
        running.push(self.import_batch(&job, batch));
        while let Some(counts) = running.next().await {
            add(&mut report, counts?);
        }
        Ok(report)
    }

    /// Sorts a batch of valid rows new to the file into duplicates of the workspace's
    /// people, people not to contact, and new leads, which it inserts and queues to enter
    /// the campaign (unless a dry run), in one transaction.
    async fn import_batch(&self, job: &Import<'_>, batch: Vec<ImportedLead>) -> Result<Counts> {
        let mut report = Counts::default();
        if batch.is_empty() {
            return Ok(report);
        }
        let tenant = job.who.tenant;
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let ids: Vec<&str> = batch.iter().map(|p| p.provider_id.as_str()).collect();
        let emails: Vec<&str> = batch.iter().filter_map(|p| p.email.as_deref()).collect();
        let known = store::known(&mut tx, tenant, &ids, &emails).await?;
        let mut fresh = Vec::with_capacity(batch.len());
        for p in batch {
            let mut matches = known.iter().filter(|k| {
                k.provider_id == p.provider_id || (p.email.is_some() && k.email == p.email)
            });
            let first = matches.next();
            if first.is_none() {
                fresh.push(p);
            } else if first.into_iter().chain(matches).any(|k| k.do_not_contact) {
                report.do_not_contact += 1;
            } else {
                report.duplicates += 1;
            }
        }
        if job.dry_run {
            report.imported += fresh.len() as u64;
            return Ok(report);
        }
        let made = store::insert(&mut tx, tenant, &fresh, job.sandbox, now).await?;
        report.duplicates += (fresh.len() - made.len()) as u64;
        report.imported += made.len() as u64;
        for leads in made.chunks(LEADS_PER_ENTRY_JOB) {
            let enter = EnterImported {
                tenant,
                campaign: job.campaign,
                account: job.account,
                leads: leads.to_vec(),
            };
            revos_jobs::enqueue(&mut tx, &enter, now, now).await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}

/// The start of a CSV file as the import reads it, for a person choosing the mapping.
#[derive(Clone, Debug, Default)]
pub struct CsvPreview {
    /// The header row, trimmed.
    pub columns: Vec<String>,
    /// The first data rows' cells (rows that cannot be read are left out).
    pub rows: Vec<Vec<String>>,
}

/// The header and at most `rows` data rows of `csv`; a file without a readable header row
/// is an error naming `file`.
pub fn preview_csv(csv: &[u8], rows: usize) -> Result<CsvPreview> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv);
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| ValidationErrors::single("file", format!("is not readable CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if columns.iter().all(String::is_empty) {
        return Err(ValidationErrors::single("file", "has no header row").into());
    }
    let rows = reader
        .records()
        .take(rows)
        .filter_map(std::result::Result::ok)
        .map(|r| r.iter().map(str::to_owned).collect())
        .collect();
    Ok(CsvPreview { columns, rows })
}

/// The line a record starts on, counted from the bytes: the csv reader's own count lags by
/// one after a record that ended with CRLF (as files saved by spreadsheets and forms posted
/// by browsers do), whose `\n` it reads with the next record.
#[derive(Debug, Default)]
struct LineCounter {
    /// The bytes counted so far.
    counted: usize,
    /// The `\n`s among them.
    newlines: u64,
}

impl LineCounter {
    /// The line (1-based) of the first byte at or after `start` that ends no line, counting
    /// from where the last call stopped (records come in file order).
    fn line_at(&mut self, csv: &[u8], start: u64) -> u64 {
        let mut at = usize::try_from(start).unwrap_or(csv.len()).min(csv.len());
        while at < csv.len() && matches!(csv[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.counted {
            self.newlines += csv[self.counted..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.counted = at;
        }
        self.newlines + 1
    }
}

#[cfg(test)]
mod line_tests {
    use super::LineCounter;

    #[test]
    fn records_after_crlf_are_on_their_own_line() {
        for csv in ["h\na\nb\n", "h\r\na\r\nb\r\n"] {
            let mut reader = csv::Reader::from_reader(csv.as_bytes());
            let mut lines = LineCounter::default();
            let found: Vec<u64> = reader
                .records()
                .map(|r| lines.line_at(csv.as_bytes(), r.unwrap().position().unwrap().byte()))
                .collect();
            assert_eq!(found, [2, 3], "{csv:?}");
        }
    }
}

/// Adds a batch's counts to the report.
fn add(report: &mut ImportReport, c: Counts) {
    report.imported += c.imported;
    report.duplicates += c.duplicates;
    report.do_not_contact += c.do_not_contact;
}

/// Counts a bad row and lists its error.
fn bad_row(report: &mut ImportReport, line: u64, field: &str, message: String) {
    report.invalid += 1;
    list_error(report, line, field.to_owned(), message);
}

/// Lists an error, unless the list is full.
fn list_error(report: &mut ImportReport, line: u64, field: String, message: String) {
    if report.errors.len() < MAX_LISTED_ERRORS {
        report.errors.push(RowError {
            line,
            field,
            message,
        });
    }
}

/// The job that lets imported leads enter their campaign, all of them in one transaction.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EnterImported {
    /// The workspace.
    pub tenant: TenantId,
    /// The campaign.
    pub campaign: Uuid,
    /// The LinkedIn account the campaign's DMs go through.
    pub account: Uuid,
    /// The new leads.
    pub leads: Vec<Uuid>,
}

impl revos_jobs::Job for EnterImported {
    type Context = crate::App;
    const KIND: &'static str = "leads.enter_imported";
    // Lead intake, like the comment monitor's passes.
    const QUEUE: &'static str = "monitor";
    const MAX_ATTEMPTS: u32 = 5;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> std::result::Result<revos_jobs::Outcome, revos_jobs::JobError> {
        let now = app.now();
        let mut tx = app
            .store
            .begin_for(self.tenant)
            .await
            .map_err(AppError::from)?;
        // The sequence as it is now: a campaign edited since the import starts the leads at
        // its current first step.
        let Some(campaign) = revos_store::campaigns::get(&mut tx, self.tenant, self.campaign)
            .await
            .map_err(AppError::from)?
        else {
            // Deleted since the import: nothing to enter.
            return Ok(revos_jobs::Outcome::Done);
        };
        let first_step = campaign.settings.first_step_id();
        for lead in &self.leads {
            let entry = Entry {
                tenant: self.tenant,
                campaign: self.campaign,
                lead: *lead,
                account: self.account,
                comment: None,
            };
            enter_campaign(&mut tx, entry, first_step, now).await?;
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(revos_jobs::Outcome::Done)
    }
}

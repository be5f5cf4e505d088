//! Campaigns: which posts to watch, who qualifies (trigger words), what to send them (the DM
//! template and the lead magnet), and the email fallback. Pure rules: validation, the
//! lifecycle, and rendering a DM for one lead.

use crate::ValidationErrors;
use crate::sequence::{self, SequenceStep};
use crate::stored_name::stored_names;
use crate::user_template::render_user_template;
use crate::validation::Collector;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// LinkedIn's limit on a message's length, in characters.
pub const DM_MAX_CHARS: usize = crate::user_template::OUTPUT_MAX_CHARS;

/// The variables a DM template may use.
pub const DM_VARIABLES: [&str; 8] = [
    "first_name",
    "last_name",
    "full_name",
    "company",
    "title",
    "lead_magnet_title",
    "lead_magnet_url",
    "trigger",
];

/// Where a campaign is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    /// Being set up; watches and sends nothing.
    Draft,
    /// Watching its posts and sending.
    Active,
    /// Stopped for now: nothing is sent until it is resumed.
    Paused,
    /// Finished for good.
    Completed,
}

impl CampaignStatus {
    /// Every status, in the order of a campaign's life.
    pub const ALL: [CampaignStatus; 4] = [
        CampaignStatus::Draft,
        CampaignStatus::Active,
        CampaignStatus::Paused,
        CampaignStatus::Completed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Active => "active",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether a campaign may go from `self` to `to`: draft → active; active ↔ paused;
    /// draft, active or paused → completed. Completed is final.
    pub fn can_become(self, to: CampaignStatus) -> bool {
        use CampaignStatus::*;
        matches!(
            (self, to),
            (Draft, Active)
                | (Active, Paused)
                | (Paused, Active)
                | (Draft | Active | Paused, Completed)
        )
    }

    /// The statuses a campaign may move to `to` from: [`CampaignStatus::can_become`] turned
    /// around, for the store's conditional update (`… AND status IN (…)`).
    pub fn sources_of(to: CampaignStatus) -> Vec<CampaignStatus> {
        Self::ALL
            .into_iter()
            .filter(|from| from.can_become(to))
            .collect()
    }
}

stored_names!(CampaignStatus, "campaign status");

/// The resource a campaign promises to commenters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadMagnet {
    /// E.g. "The Cold Outreach Playbook".
    pub title: String,
    /// Where to get it (http or https).
    pub url: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
}

/// Which email tool takes over when a DM gets no reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EmailProvider {
    /// Instantly (API v2).
    Instantly,
    /// Smartlead.
    Smartlead,
    /// The sandbox's simulated sequencer.
    Sandbox,
}

/// The email sequence a lead joins when a DM gets no reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailFallback {
    /// The tool.
    pub provider: EmailProvider,
    /// The tool's campaign id.
    pub campaign_id: String,
    /// Hours after the DM with no reply before the lead is sequenced.
    #[serde(default = "default_delay")]
    pub delay_hours: u32,
    /// Sequence only addresses Apollo verified (the default); `false` also allows likely
    /// ones (`likely to engage`, `guessed`, `extrapolated`). Unverified, unavailable,
    /// bounced and unknown addresses are never sequenced (see
    /// [`crate::email::EmailStatus::sendable`]).
    #[serde(default = "default_require_verified")]
    pub require_verified: bool,
}

fn default_delay() -> u32 {
    48
}

fn default_require_verified() -> bool {
    true
}

/// Everything a person edits in a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// Shown to people.
    pub name: String,
    /// The voice DMs are written in.
    #[serde(default)]
    pub cartridge_id: Option<Uuid>,
    /// The LinkedIn account that watches and sends.
    pub linkedin_account_id: Uuid,
    /// The library magnet commenters get (`/api/v1/lead-magnets`); when set, its title, link
    /// and description are what DMs use, and `lead_magnet` may be left out. A campaign saved
    /// with an inline magnet only has it filed into the library and this set to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub lead_magnet_id: Option<crate::LeadMagnetId>,
    /// What commenters get, typed in (required without `lead_magnet_id`). Read back, it is
    /// the library magnet's title, link and description when `lead_magnet_id` is set.
    #[serde(default)]
    pub lead_magnet: LeadMagnet,
    /// Words or phrases that make a commenter a lead; empty means every commenter.
    #[serde(default)]
    pub trigger_words: Vec<String>,
    /// Provider ids of the LinkedIn posts to watch.
    #[serde(default)]
    pub watched_posts: Vec<String>,
    /// The DM, with `{{ first_name }}`-style variables (see [`DM_VARIABLES`]): the first
    /// step's first variant. A campaign saved with only this field is a one-step sequence;
    /// one saved with `steps` may leave it out (it reads back as that variant's text).
    #[serde(default)]
    pub dm_template: String,
    /// The sequence: the first DM, then follow-ups (see [`crate::sequence`]). Left out, the
    /// campaign keeps its current steps with `dm_template` as the first one's text (a new
    /// campaign gets the one-step sequence of `dm_template`).
    #[serde(default)]
    pub steps: Vec<SequenceStep>,
    /// Let the language model personalise each DM in the cartridge's voice (when one is
    /// configured); the template is the fallback.
    #[serde(default)]
    pub personalize_dm: bool,
    /// A public reply inviting commenters who are not connected to connect; `None` leaves
    /// them alone. Automatic connection requests are never sent.
    #[serde(default)]
    pub connect_reply_template: Option<String>,
    /// The email sequence for leads who do not reply.
    #[serde(default)]
    pub email_fallback: Option<EmailFallback>,
}

/// The values a DM is rendered with.
#[derive(Clone, Debug, Default)]
pub struct DmValues {
    /// First name ("there" when unknown).
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Full name.
    pub full_name: String,
    /// Company (empty when unknown).
    pub company: String,
    /// Job title (empty when unknown).
    pub title: String,
    /// The lead magnet's title.
    pub lead_magnet_title: String,
    /// The lead magnet's URL.
    pub lead_magnet_url: String,
    /// The trigger word they used.
    pub trigger: String,
}

/// A person's first name and the rest of their display name.
pub fn split_name(full: &str) -> (String, String) {
    let mut words = full.split_whitespace();
    let first = words.next().unwrap_or_default().to_owned();
    (first, words.collect::<Vec<_>>().join(" "))
}

impl DmValues {
    /// The values for a lead called `name` (at `company`, when known) promised `magnet`.
    pub fn for_lead(name: &str, company: Option<&str>, magnet: &LeadMagnet) -> Self {
        let (first_name, last_name) = split_name(name);
        Self {
            first_name,
            last_name,
            full_name: name.to_owned(),
            company: company.unwrap_or_default().to_owned(),
            lead_magnet_title: magnet.title.clone(),
            lead_magnet_url: magnet.url.clone(),
            ..Default::default()
        }
    }

    /// Realistic values for checking a template when it is saved: the campaign's own lead
    /// magnet and trigger, and a plausible person.
    fn sample(spec: &CampaignSpec) -> Self {
        Self {
            first_name: "Alexandra".into(),
            last_name: "Montgomery-Smith".into(),
            full_name: "Alexandra Montgomery-Smith".into(),
            company: "Northwind Traders International".into(),
            title: "Head of Growth and Partnerships".into(),
            lead_magnet_title: spec.lead_magnet.title.clone(),
            lead_magnet_url: spec.lead_magnet.url.clone(),
            trigger: spec
                .trigger_words
                .first()
                .cloned()
                .unwrap_or("guide".into()),
        }
    }

    /// The template context.
    fn context(&self) -> minijinja::Value {
        minijinja::Value::from_pairs([
            ("first_name", self.first_name.clone()),
            ("last_name", self.last_name.clone()),
            ("full_name", self.full_name.clone()),
            ("company", self.company.clone()),
            ("title", self.title.clone()),
            ("lead_magnet_title", self.lead_magnet_title.clone()),
            ("lead_magnet_url", self.lead_magnet_url.clone()),
            ("trigger", self.trigger.clone()),
        ])
    }
}

/// Checks a template: at most `max` characters, and it renders with `sample` under the user
/// template budget (it parses, uses only the known variables, and stays within the limits).
fn check_template(c: &mut Collector, field: &str, template: &str, max: usize, sample: &DmValues) {
    c.text(field, template, 1, max);
    let len = template.chars().count();
    if template.trim().is_empty() || len > max {
        return;
    }
    if let Err(e) = render_user_template(template, sample.context()) {
        let hint = match e {
            crate::user_template::TemplateError::Invalid(_) => {
                format!("; variables: {}", DM_VARIABLES.join(", "))
            }
            _ => String::new(),
        };
        c.push(field, format!("{e}{hint}"));
    }
}

/// A campaign's settings are stored as this JSON document; the store's rows decode it with
/// `#[sqlx(try_from = "String")]`, so a document this build cannot read is an error there.
impl TryFrom<String> for CampaignSpec {
    type Error = serde_json::Error;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let mut spec: CampaignSpec = serde_json::from_str(&raw)?;
        // Saved before sequences: the one-step sequence of its template (its messages were
        // migrated to that step).
        if spec.steps.is_empty() {
            spec.steps = sequence::one_step(&spec.dm_template);
        }
        Ok(spec)
    }
}

impl CampaignSpec {
    /// Settles `dm_template` and `steps` of a spec about to be saved over `previous` (the
    /// campaign's current spec, `None` for a new one), so that clients that know only the
    /// template and clients that edit steps both work: no steps keeps the current ones (or
    /// makes the one-step sequence) with the template as the first text; steps given win,
    /// unless only the template changed (a client that reads a campaign, edits
    /// `dm_template` and writes everything back). Then the template mirrors the first text,
    /// and steps and variants without an id get one from `fresh`.
    pub fn settle_steps(&mut self, previous: Option<&CampaignSpec>, fresh: impl FnMut() -> String) {
        let template_edited = previous.is_some_and(|p| p.dm_template != self.dm_template);
        if self.steps.is_empty() {
            self.steps = match previous {
                Some(p) if !p.steps.is_empty() => p.steps.clone(),
                _ => sequence::one_step(&self.dm_template),
            };
            set_first_text(&mut self.steps, &self.dm_template);
        } else if template_edited
            && previous.is_some_and(|p| p.steps == self.steps)
            && !self.dm_template.is_empty()
        {
            set_first_text(&mut self.steps, &self.dm_template);
        }
        if let Some(first) = self.steps.first().and_then(|s| s.variants.first()) {
            self.dm_template = first.template.clone();
        }
        sequence::assign_ids(&mut self.steps, fresh);
    }

    /// The id of the sequence's first step (a commenter's first DM is recorded as it).
    pub fn first_step_id(&self) -> &str {
        self.steps
            .first()
            .map_or(sequence::FIRST_STEP_ID, |s| s.id.as_str())
    }

    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut c = Collector::default();
        c.text("name", &self.name, 1, 200);
        // With a library magnet the inline one is optional (a file magnet reads back with no
        // link); given with a link, it must be whole.
        let inline = &self.lead_magnet;
        if self.lead_magnet_id.is_none() || !inline.url.trim().is_empty() {
            c.text("lead_magnet.title", &inline.title, 1, 200);
            c.text("lead_magnet.description", &inline.description, 0, 2_000);
            crate::lead_magnet::check_link(&mut c, "lead_magnet.url", &inline.url);
        }
        c.list("trigger_words", &self.trigger_words, 20, 50);
        for (i, t) in self.trigger_words.iter().enumerate() {
            if crate::triggers::words(t).is_empty() {
                c.push(
                    format!("trigger_words[{i}]"),
                    "must contain a letter or digit",
                );
            }
        }
        c.list("watched_posts", &self.watched_posts, 50, 200);
        let sample = DmValues::sample(self);
        check_template(&mut c, "dm_template", &self.dm_template, 2_000, &sample);
        sequence::check_structure(&mut c, &self.steps);
        for (i, step) in self.steps.iter().enumerate() {
            for (j, v) in step.variants.iter().enumerate() {
                // The first text is `dm_template`, checked (and named) above.
                if (i, j) != (0, 0) || v.template != self.dm_template {
                    let field = format!("steps[{i}].variants[{j}].template");
                    check_template(&mut c, &field, &v.template, 2_000, &sample);
                }
            }
        }
        if let Some(t) = &self.connect_reply_template {
            check_template(&mut c, "connect_reply_template", t, 1_250, &sample);
        }
        if let Some(f) = &self.email_fallback {
            c.text("email_fallback.campaign_id", &f.campaign_id, 1, 200);
            if !(1..=24 * 30).contains(&f.delay_hours) {
                c.push("email_fallback.delay_hours", "must be between 1 and 720");
            }
        }
        c.finish()
    }
}

/// Makes `text` the first step's first variant's text.
fn set_first_text(steps: &mut [SequenceStep], text: &str) {
    if let Some(first) = steps.first_mut().and_then(|s| s.variants.first_mut()) {
        first.template = text.to_owned();
    }
}

/// Renders a campaign's template `field` (the DM or the public reply) for one lead, under
/// the user template budget; an error names the field and the limit hit.
pub fn render(field: &str, template: &str, values: &DmValues) -> Result<String, ValidationErrors> {
    let mut values = values.clone();
    if values.first_name.trim().is_empty() {
        values.first_name = "there".into();
    }
    render_user_template(template, values.context())
        .map_err(|e| ValidationErrors::single(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_campaign_lifecycle_table() {
        use CampaignStatus::*;
        let legal = [
            (Draft, Active),
            (Active, Paused),
            (Paused, Active),
            (Draft, Completed),
            (Active, Completed),
            (Paused, Completed),
        ];
        for from in CampaignStatus::ALL {
            for to in CampaignStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    legal.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
                assert_eq!(
                    CampaignStatus::sources_of(to).contains(&from),
                    from.can_become(to)
                );
            }
            assert_eq!(CampaignStatus::parse(from.as_str()), Some(from));
        }
        assert!(CampaignStatus::sources_of(Draft).is_empty());
        assert_eq!(CampaignStatus::sources_of(Active), [Draft, Paused]);
    }

    #[test]
    fn names_split_into_first_and_the_rest() {
        assert_eq!(
            split_name("Ana  María Lopez"),
            ("Ana".into(), "María Lopez".into())
        );
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
        assert_eq!(split_name(""), (String::new(), String::new()));
    }

    fn spec() -> CampaignSpec {
        CampaignSpec {
            name: "Playbook launch".into(),
            cartridge_id: None,
            linkedin_account_id: Uuid::now_v7(),
            lead_magnet_id: None,
            lead_magnet: LeadMagnet {
                title: "The Playbook".into(),
                url: "https://acme.io/playbook".into(),
                description: String::new(),
            },
            trigger_words: vec!["GUIDE".into()],
            watched_posts: vec!["7332661864792854528".into()],
            dm_template:
                "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}".into(),
            steps: crate::sequence::one_step(
                "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
            ),
            personalize_dm: false,
            connect_reply_template: Some(
                "Thanks {{ first_name }}! Connect with me and I'll send it.".into(),
            ),
            email_fallback: Some(EmailFallback {
                provider: EmailProvider::Instantly,
                campaign_id: "c-1".into(),
                delay_hours: 48,
                require_verified: true,
            }),
        }
    }

    #[test]
    fn a_good_campaign_validates_and_renders() {
        let s = spec();
        s.validate().unwrap();
        let values = DmValues {
            first_name: "Ana".into(),
            lead_magnet_title: "The Playbook".into(),
            lead_magnet_url: "https://acme.io/playbook".into(),
            ..Default::default()
        };
        assert_eq!(
            render("dm_template", &s.dm_template, &values).unwrap(),
            "Hi Ana! Here is The Playbook: https://acme.io/playbook"
        );
        let anonymous = DmValues {
            lead_magnet_title: "X".into(),
            lead_magnet_url: "u".into(),
            ..Default::default()
        };
        assert!(
            render("dm_template", &s.dm_template, &anonymous)
                .unwrap()
                .starts_with("Hi there!")
        );
        let conditional = "Hi {{ first_name }}{% if company %} at {{ company }}{% endif %}!";
        assert_eq!(
            render(
                "dm_template",
                conditional,
                &DmValues {
                    first_name: "Bo".into(),
                    ..Default::default()
                }
            )
            .unwrap(),
            "Hi Bo!"
        );
    }

    #[test]
    fn errors_name_the_fields() {
        let mut s = spec();
        s.dm_template = "Hi {{ nickname }}".into();
        s.lead_magnet.url = "ftp://x".into();
        s.trigger_words = vec!["!!!".into()];
        s.email_fallback.as_mut().unwrap().delay_hours = 0;
        s.connect_reply_template = Some("{% if %}".into());
        let fields: Vec<_> = s
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "lead_magnet.url",
                "trigger_words[0]",
                "dm_template",
                "connect_reply_template",
                "email_fallback.delay_hours"
            ]
        );
    }

    #[test]
    fn the_fallback_requires_verified_emails_unless_told_otherwise() {
        let f: EmailFallback =
            serde_json::from_str(r#"{"provider": "instantly", "campaign_id": "c"}"#).unwrap();
        assert!(f.require_verified);
        assert_eq!(f.delay_hours, 48);
        let f: EmailFallback = serde_json::from_str(
            r#"{"provider": "smartlead", "campaign_id": "c", "require_verified": false}"#,
        )
        .unwrap();
        assert!(!f.require_verified);
    }

    #[test]
    fn lifecycle() {
        use CampaignStatus::*;
        assert!(Draft.can_become(Active));
        assert!(Active.can_become(Paused) && Paused.can_become(Active));
        assert!(Active.can_become(Completed));
        assert!(!Completed.can_become(Active));
        assert!(!Draft.can_become(Paused));
        for s in [Draft, Active, Paused, Completed] {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn steps_settle_against_the_template_and_the_current_steps() {
        let fresh = || "new".to_owned();
        // An old client: only the template; a new campaign becomes one step.
        let mut s = spec();
        s.steps.clear();
        s.settle_steps(None, fresh);
        assert_eq!(s.steps, crate::sequence::one_step(&s.dm_template));
        // A three-step campaign edited by an old client (no steps): its steps are kept, the
        // first text follows the template.
        let mut current = spec();
        let mut second = current.steps[0].clone();
        second.id = "2".into();
        second.delay_hours = 72;
        current.steps.push(second);
        let mut edit = current.clone();
        edit.steps.clear();
        edit.dm_template = "Hello {{ first_name }}".into();
        edit.settle_steps(Some(&current), fresh);
        assert_eq!(edit.steps.len(), 2);
        assert_eq!(edit.steps[0].variants[0].template, "Hello {{ first_name }}");
        // Read, template edited, written back with the steps unchanged: the template wins.
        let mut edit = current.clone();
        edit.dm_template = "Howdy".into();
        edit.settle_steps(Some(&current), fresh);
        assert_eq!(edit.steps[0].variants[0].template, "Howdy");
        // Steps edited: they win, the template mirrors them, new ones get ids.
        let mut edit = current.clone();
        edit.steps[0].variants[0].template = "From steps".into();
        edit.steps.push(crate::sequence::SequenceStep {
            id: String::new(),
            delay_hours: 24,
            condition: crate::sequence::StepCondition::OpenedMagnet,
            variants: vec![crate::sequence::StepVariant {
                id: String::new(),
                template: "P.S.".into(),
                weight: 1,
            }],
        });
        edit.settle_steps(Some(&current), fresh);
        assert_eq!(edit.dm_template, "From steps");
        assert_eq!(edit.steps[2].id, "new");
        assert_eq!(edit.steps[2].variants[0].id, "new");
        edit.validate().unwrap();
        // A bad follow-up text is named by its place.
        edit.steps[1].variants[0].template = "{{ nickname }}".into();
        let fields: Vec<_> = edit
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["steps[1].variants[0].template"]);
    }

    #[test]
    fn a_document_saved_before_sequences_reads_as_one_step() {
        let mut old = serde_json::to_value(spec()).unwrap();
        old.as_object_mut().unwrap().remove("steps");
        let read = CampaignSpec::try_from(old.to_string()).unwrap();
        assert_eq!(read.steps, crate::sequence::one_step(&read.dm_template));
        assert_eq!(read.first_step_id(), "1");
    }

    #[test]
    fn long_renders_are_refused() {
        let values = DmValues {
            first_name: "x".repeat(9_000),
            ..Default::default()
        };
        assert!(render("dm_template", "{{ first_name }}", &values).is_err());
    }
}

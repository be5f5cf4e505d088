//! The campaign form: a [`CampaignSpec`] as plain form fields (trigger words comma
//! separated, watched posts one per line, the email fallback as four fields, the sequence as
//! indexed step fields, see [`super::campaign_steps_form`]), read back with every problem
//! named by its field id so the form can show it beside the field.

use super::campaign_steps_form::{self as steps_form, StepFields, StepsAction};
use super::page_params::form_errors;
use revos_domain::campaign::{CampaignSpec, EmailFallback, EmailProvider, LeadMagnet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The form's fields as sent (and as shown again when something is wrong).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct CampaignForm {
    /// The session's CSRF token (never shown back).
    #[serde(default, skip_serializing)]
    pub _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    cartridge_id: String,
    #[serde(default)]
    linkedin_account_id: String,
    /// The library magnet picked; empty to use the typed-in one (filed into the library).
    #[serde(default)]
    lead_magnet_id: String,
    #[serde(default)]
    lead_magnet_title: String,
    #[serde(default)]
    lead_magnet_url: String,
    #[serde(default)]
    lead_magnet_description: String,
    #[serde(default)]
    trigger_words: String,
    #[serde(default)]
    watched_posts: String,
    #[serde(default)]
    dm_template: String,
    #[serde(default)]
    personalize_dm: Option<String>,
    #[serde(default)]
    connect_reply_template: String,
    #[serde(default)]
    email_fallback_provider: String,
    #[serde(default)]
    email_fallback_campaign_id: String,
    #[serde(default)]
    email_fallback_delay_hours: String,
    /// A checkbox: present ("on") when only verified addresses may be sequenced.
    #[serde(default)]
    email_fallback_require_verified: Option<String>,
    /// The sequence editor's button that was pressed (`add_step`, `remove_step-2`, …):
    /// the form is shown again changed, nothing is saved.
    #[serde(default, skip_serializing)]
    steps_action: String,
    /// The sequence's steps, read from the indexed fields in `rest` (see
    /// [`CampaignForm::read_steps`]); empty when the form posted none.
    #[serde(skip_deserializing)]
    steps: Vec<StepFields>,
    /// Every other posted field: the indexed step fields (`steps[1][delay]`, …).
    #[serde(flatten, skip_serializing)]
    rest: BTreeMap<String, String>,
}

/// The email tools the form offers, by their API names.
pub(super) const EMAIL_PROVIDERS: [(&str, &str); 3] = [
    ("instantly", "Instantly"),
    ("smartlead", "Smartlead"),
    ("sandbox", "Sandbox (simulated)"),
];

fn provider_name(p: EmailProvider) -> &'static str {
    match p {
        EmailProvider::Instantly => "instantly",
        EmailProvider::Smartlead => "smartlead",
        EmailProvider::Sandbox => "sandbox",
    }
}

impl CampaignForm {
    /// A blank form, with the DM template people usually start from.
    pub fn blank() -> Self {
        let dm_template =
            "Hi {{ first_name }}! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}";
        Self {
            dm_template: dm_template.into(),
            email_fallback_delay_hours: "48".into(),
            email_fallback_require_verified: Some("on".into()),
            steps: steps_form::from_steps(&revos_domain::sequence::one_step(dm_template)),
            ..Self::default()
        }
    }

    /// Reads the posted step fields into `steps` (the form struct cannot name indexed
    /// fields, so they arrive in `rest`).
    pub fn read_steps(&mut self) {
        self.steps = steps_form::read_fields(&self.rest);
        self.rest.clear();
    }

    /// A form posted without step fields (an older form, a script) edits the first text
    /// only: its steps are `current`'s (the campaign edited; `None` for a new one, whose
    /// sequence is the one step of `dm_template`), the first text being `dm_template`.
    pub fn show_steps_of(&mut self, current: Option<&CampaignSpec>) {
        if self.steps.is_empty() {
            self.steps = match current {
                Some(spec) if !spec.steps.is_empty() => steps_form::from_steps(&spec.steps),
                _ => steps_form::from_steps(&revos_domain::sequence::one_step(&self.dm_template)),
            };
        }
    }

    /// The sequence editor's button pressed, if one was: applied to the form's steps.
    pub fn apply_steps_action(&mut self) -> bool {
        let Some(action) = StepsAction::parse(self.steps_action.trim()) else {
            return false;
        };
        action.apply(&mut self.steps, &mut self.dm_template);
        self.steps_action.clear();
        true
    }

    /// The form showing a campaign's current fields.
    pub fn from_spec(spec: &CampaignSpec) -> Self {
        let fallback = spec.email_fallback.as_ref();
        Self {
            _csrf: String::new(),
            name: spec.name.clone(),
            cartridge_id: spec.cartridge_id.map(|c| c.to_string()).unwrap_or_default(),
            linkedin_account_id: spec.linkedin_account_id.to_string(),
            lead_magnet_id: spec
                .lead_magnet_id
                .map(|m| m.to_string())
                .unwrap_or_default(),
            lead_magnet_title: spec.lead_magnet.title.clone(),
            lead_magnet_url: spec.lead_magnet.url.clone(),
            lead_magnet_description: spec.lead_magnet.description.clone(),
            trigger_words: spec.trigger_words.join(", "),
            watched_posts: spec.watched_posts.join("\n"),
            dm_template: spec.dm_template.clone(),
            personalize_dm: spec.personalize_dm.then(|| "on".into()),
            connect_reply_template: spec.connect_reply_template.clone().unwrap_or_default(),
            email_fallback_provider: fallback
                .map(|f| provider_name(f.provider).to_owned())
                .unwrap_or_default(),
            email_fallback_campaign_id: fallback.map(|f| f.campaign_id.clone()).unwrap_or_default(),
            email_fallback_delay_hours: fallback.map_or(48, |f| f.delay_hours).to_string(),
            email_fallback_require_verified: fallback
                .is_none_or(|f| f.require_verified)
                .then(|| "on".into()),
            steps_action: String::new(),
            steps: steps_form::from_steps(&spec.steps),
            rest: BTreeMap::new(),
        }
    }

    /// The spec the form describes, or every problem (parsing and the spec's own rules) as
    /// (field id, message).
    pub fn to_spec(&self) -> Result<CampaignSpec, Vec<(String, String)>> {
        let mut errors: Vec<(String, String)> = Vec::new();
        let steps = match steps_form::to_steps(&self.steps, self.dm_template.trim()) {
            Ok(steps) => steps,
            Err(found) => {
                errors.extend(found);
                Vec::new()
            }
        };
        let mut bad = |field: &str, message: &str| errors.push((field.into(), message.into()));
        let linkedin_account_id = match self.linkedin_account_id.trim() {
            "" => {
                bad(
                    "linkedin_account_id",
                    "choose the LinkedIn account that sends",
                );
                Uuid::nil()
            }
            raw => Uuid::parse_str(raw).unwrap_or_else(|_| {
                bad("linkedin_account_id", "choose an account from the list");
                Uuid::nil()
            }),
        };
        let cartridge_id = match self.cartridge_id.trim() {
            "" => None,
            raw => Uuid::parse_str(raw)
                .map_err(|_| bad("cartridge_id", "choose a cartridge from the list"))
                .ok(),
        };
        let lead_magnet_id = match self.lead_magnet_id.trim() {
            "" => None,
            raw => Uuid::parse_str(raw)
                .map(revos_domain::LeadMagnetId)
                .map_err(|_| bad("lead_magnet_id", "choose a lead magnet from the library"))
                .ok(),
        };
        let provider = match self.email_fallback_provider.trim() {
            "" => None,
            "instantly" => Some(EmailProvider::Instantly),
            "smartlead" => Some(EmailProvider::Smartlead),
            "sandbox" => Some(EmailProvider::Sandbox),
            _ => {
                bad("email_fallback_provider", "choose a provider from the list");
                None
            }
        };
        let delay_hours = match self.email_fallback_delay_hours.trim() {
            "" => 48,
            raw => raw.parse::<u32>().unwrap_or_else(|_| {
                bad(
                    "email_fallback_delay_hours",
                    "must be a whole number of hours",
                );
                48
            }),
        };
        if provider.is_none()
            && self.email_fallback_provider.trim().is_empty()
            && !self.email_fallback_campaign_id.trim().is_empty()
        {
            bad(
                "email_fallback_provider",
                "choose the email tool of this campaign id, or clear the id",
            );
        }
        let spec = CampaignSpec {
            name: self.name.trim().to_owned(),
            cartridge_id,
            linkedin_account_id,
            lead_magnet_id,
            lead_magnet: LeadMagnet {
                title: self.lead_magnet_title.trim().to_owned(),
                url: self.lead_magnet_url.trim().to_owned(),
                description: self.lead_magnet_description.trim().to_owned(),
            },
            trigger_words: self
                .trigger_words
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
            watched_posts: self
                .watched_posts
                .lines()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            dm_template: self.dm_template.trim().to_owned(),
            // Without step fields (an older form) the saved steps are kept with this first
            // text (see `settle_steps`).
            steps,
            personalize_dm: self.personalize_dm.is_some(),
            connect_reply_template: Some(self.connect_reply_template.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            email_fallback: provider.map(|provider| EmailFallback {
                provider,
                campaign_id: self.email_fallback_campaign_id.trim().to_owned(),
                delay_hours,
                require_verified: self.email_fallback_require_verified.is_some(),
            }),
        };
        // Checked as it will be saved: new steps and variants get (stand-in) ids, no steps
        // stand for the one-step sequence of the template.
        let mut checked = spec.clone();
        let mut n = 0;
        checked.settle_steps(None, || {
            n += 1;
            format!("new-{n}")
        });
        if let Err(v) = checked.validate() {
            let found: Vec<(String, String)> =
                v.0.iter()
                    .map(|e| (e.field.clone(), e.message.clone()))
                    .collect();
            errors.extend(found);
        }
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(form_errors(&errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> CampaignForm {
        CampaignForm {
            name: " Spring guide ".into(),
            linkedin_account_id: Uuid::now_v7().to_string(),
            lead_magnet_title: "The Guide".into(),
            lead_magnet_url: "https://acme.io/guide".into(),
            trigger_words: "GUIDE, send it ,".into(),
            watched_posts: "123\n\n 456 \n".into(),
            personalize_dm: Some("on".into()),
            email_fallback_provider: "instantly".into(),
            email_fallback_campaign_id: "c-1".into(),
            email_fallback_delay_hours: "24".into(),
            ..CampaignForm::blank()
        }
    }

    #[test]
    fn lists_and_fallback_are_read_from_plain_fields() {
        let spec = filled().to_spec().unwrap();
        assert_eq!(spec.name, "Spring guide");
        assert_eq!(spec.trigger_words, ["GUIDE", "send it"]);
        assert_eq!(spec.watched_posts, ["123", "456"]);
        assert!(spec.personalize_dm);
        assert_eq!(spec.connect_reply_template, None);
        let f = spec.email_fallback.clone().unwrap();
        assert_eq!(
            (f.provider, f.campaign_id.as_str(), f.delay_hours),
            (EmailProvider::Instantly, "c-1", 24)
        );
        assert!(f.require_verified, "checked on a new form");
        // And back: the edit form shows what was saved.
        assert_eq!(CampaignForm::from_spec(&spec).to_spec().unwrap(), spec);
        let relaxed = CampaignForm {
            email_fallback_require_verified: None,
            ..filled()
        }
        .to_spec()
        .unwrap();
        assert!(!relaxed.email_fallback.clone().unwrap().require_verified);
        assert_eq!(
            CampaignForm::from_spec(&relaxed).to_spec().unwrap(),
            relaxed
        );
    }

    #[test]
    fn every_problem_is_named_by_its_field_id() {
        let form = CampaignForm {
            linkedin_account_id: String::new(),
            lead_magnet_url: "ftp://x".into(),
            email_fallback_delay_hours: "soon".into(),
            trigger_words: "ok, !!!".into(),
            ..filled()
        };
        let errors = form.to_spec().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        for f in [
            "linkedin_account_id",
            "lead_magnet_url",
            "email_fallback_delay_hours",
            "trigger_words",
        ] {
            assert!(fields.contains(&f), "{f} missing from {errors:?}");
        }
        assert!(
            errors
                .iter()
                .any(|(f, m)| f == "trigger_words" && m.starts_with("item 2"))
        );
    }
}

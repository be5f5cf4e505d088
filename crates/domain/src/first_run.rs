//! The first-run checklist: the steps from an empty workspace to a first reply (an account, a
//! cartridge, a campaign watching a post, activated, a first lead, a first reply), each with
//! where to do it. A new user otherwise ends the first hour with no lead and no idea why; the
//! dashboard shows these steps until every one is done. Pure: the facts are read elsewhere (in
//! one query) and turned into steps here.

use serde::Serialize;

/// What a workspace has done so far, each fact a yes or no.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FirstRunFacts {
    /// A LinkedIn account connected through Unipile.
    pub real_account: bool,
    /// A sandbox (simulated) account.
    pub sandbox_account: bool,
    /// At least one cartridge (client voice).
    pub cartridge: bool,
    /// A campaign that watches at least one post.
    pub watching_campaign: bool,
    /// A campaign that was activated (active, paused or completed).
    pub activated: bool,
    /// At least one lead.
    pub lead: bool,
    /// At least one reply received.
    pub reply: bool,
}

/// One step of the checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstRunStep {
    /// A stable name: `account`, `cartridge`, `campaign`, `activated`, `first_lead`,
    /// `first_reply`.
    pub key: &'static str,
    /// What the step is, e.g. "Create a cartridge".
    pub title: &'static str,
    /// Whether it is done.
    pub done: bool,
    /// What to do next (or what was done), one sentence.
    pub detail: &'static str,
    /// The page where it is done.
    pub link: &'static str,
}

/// The checklist for `f`, in the order a person follows it.
pub fn checklist(f: FirstRunFacts) -> Vec<FirstRunStep> {
    let account_detail = match (f.real_account, f.sandbox_account) {
        (true, _) => "A LinkedIn account is connected.",
        (false, true) => {
            "A sandbox account is ready: nothing reaches LinkedIn. Connect a real account in Settings when you are ready."
        }
        _ => "Connect a LinkedIn account in Settings, or try the sandbox first.",
    };
    let step = |key, title, done, detail, link| FirstRunStep {
        key,
        title,
        done,
        detail,
        link,
    };
    vec![
        step(
            "account",
            "Connect a LinkedIn account (or use a sandbox account)",
            f.real_account || f.sandbox_account,
            account_detail,
            "/settings#accounts",
        ),
        step(
            "cartridge",
            "Create a cartridge",
            f.cartridge,
            "A cartridge is a client's voice: persona, style and knowledge the agents write in.",
            "/cartridges/new",
        ),
        step(
            "campaign",
            "Create a campaign that watches a post",
            f.watching_campaign,
            "A campaign watches LinkedIn posts for trigger words and DMs the lead magnet to commenters.",
            "/campaigns/new",
        ),
        step(
            "activated",
            "Activate the campaign",
            f.activated,
            "A draft does nothing: activate it on its page to start watching.",
            "/campaigns",
        ),
        step(
            "first_lead",
            "Get a first lead",
            f.lead,
            "Leads appear when someone comments a trigger word on a watched post (in the sandbox within about a minute).",
            "/leads",
        ),
        step(
            "first_reply",
            "Get a first reply",
            f.reply,
            "Replies to the DMs show on the lead's timeline.",
            "/leads?stage=replied",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(f: FirstRunFacts) -> Vec<&'static str> {
        checklist(f)
            .into_iter()
            .filter(|s| s.done)
            .map(|s| s.key)
            .collect()
    }

    #[test]
    fn an_empty_workspace_has_every_step_open() {
        let steps = checklist(FirstRunFacts::default());
        assert_eq!(
            steps.iter().map(|s| s.key).collect::<Vec<_>>(),
            [
                "account",
                "cartridge",
                "campaign",
                "activated",
                "first_lead",
                "first_reply"
            ]
        );
        assert!(steps.iter().all(|s| !s.done && s.link.starts_with('/')));
    }

    #[test]
    fn each_fact_ticks_its_own_step() {
        let sandbox = FirstRunFacts {
            sandbox_account: true,
            ..Default::default()
        };
        assert_eq!(done(sandbox), ["account"]);
        assert!(checklist(sandbox)[0].detail.contains("sandbox"));
        let real = FirstRunFacts {
            real_account: true,
            ..Default::default()
        };
        assert_eq!(
            checklist(real)[0].detail,
            "A LinkedIn account is connected."
        );
        let later = FirstRunFacts {
            cartridge: true,
            activated: true,
            reply: true,
            ..Default::default()
        };
        assert_eq!(done(later), ["cartridge", "activated", "first_reply"]);
        let all = FirstRunFacts {
            real_account: true,
            sandbox_account: true,
            cartridge: true,
            watching_campaign: true,
            activated: true,
            lead: true,
            reply: true,
        };
        assert_eq!(done(all).len(), 6);
    }
}

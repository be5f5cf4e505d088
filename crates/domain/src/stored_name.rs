//! How a domain enum becomes the word stored in its column and back. Every status and stage
//! enum has an `ALL` list and an `as_str`; [`stored_names!`] derives `FromStr`,
//! `TryFrom<String>` (what the store's rows decode with, `#[sqlx(try_from = "String")]`),
//! `Display` and comparison with a stored word (`stage == "dm_sent"`, for tests reading rows)
//! from those two, so the word for a state is written once, in its enum.
//! [`vocabulary`] lists every such word, so a test can check no other crate spells one.

/// A stored word that names no value of the enum it was read as: the database holds
/// something this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}")]
pub struct UnknownName {
    /// What was being read, e.g. `lead stage`.
    pub kind: &'static str,
    /// The word found.
    pub name: String,
}

/// Implements `FromStr`, `TryFrom<String>` and `Display` for an enum with `ALL` and
/// `as_str`, naming it `$kind` in errors.
macro_rules! stored_names {
    ($ty:ty, $kind:literal) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::stored_name::UnknownName;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == raw)
                    .ok_or_else(|| $crate::stored_name::UnknownName {
                        kind: $kind,
                        name: raw.to_owned(),
                    })
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::stored_name::UnknownName;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                raw.parse()
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, name: &&str) -> bool {
                self.as_str() == *name
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, name: &str) -> bool {
                self.as_str() == name
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}
pub(crate) use stored_names;

use crate::campaign::CampaignStatus;
use crate::guides::GuideStatus;
use crate::job_state::JobState;
use crate::lead::LeadStage;
use crate::linkedin_account::AccountStatus;
use crate::post::PostStatus;

/// Every stored status and stage word with the enum it belongs to: lead stages, post,
/// campaign, account and guide statuses, job states. Generated from the enums' `ALL` lists.
pub fn vocabulary() -> Vec<(&'static str, &'static str)> {
    let mut words = Vec::new();
    words.extend(LeadStage::ALL.map(|v| ("LeadStage", v.as_str())));
    words.extend(PostStatus::ALL.map(|v| ("PostStatus", v.as_str())));
    words.push(("PostStatus", crate::post::WATCHING));
    words.extend(CampaignStatus::ALL.map(|v| ("CampaignStatus", v.as_str())));
    words.extend(AccountStatus::ALL.map(|v| ("AccountStatus", v.as_str())));
    words.extend(JobState::ALL.map(|v| ("JobState", v.as_str())));
    words.extend(GuideStatus::ALL.map(|v| ("GuideStatus", v.as_str())));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_through_its_enum() {
        for s in LeadStage::ALL {
            assert_eq!(s.as_str().parse::<LeadStage>(), Ok(s));
            assert_eq!(LeadStage::try_from(s.to_string()), Ok(s));
        }
        for s in PostStatus::ALL {
            assert_eq!(s.as_str().parse::<PostStatus>(), Ok(s));
        }
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::try_from(s.as_str().to_owned()), Ok(s));
        }
        for s in AccountStatus::ALL {
            assert_eq!(s.to_string().parse::<AccountStatus>(), Ok(s));
        }
        for s in JobState::ALL {
            assert_eq!(s.to_string().parse::<JobState>(), Ok(s));
        }
        for s in GuideStatus::ALL {
            assert_eq!(GuideStatus::try_from(s.as_str().to_owned()), Ok(s));
        }
        let e = "watching".parse::<PostStatus>().unwrap_err();
        assert_eq!(e.to_string(), "unknown post status \"watching\"");
        assert_eq!(vocabulary().len(), 9 + 6 + 1 + 4 + 5 + 6 + 3);
        assert!(vocabulary().contains(&("GuideStatus", "rendered")));
    }
}

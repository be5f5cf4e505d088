//! The sandbox: a deterministic, seeded simulated LinkedIn world behind the same traits as
//! the real services, so RevOS runs its whole loop with no account anywhere. Everything it
//! produces says `is_sandbox() == true`, and the API marks it as such.
//!
//! A watched post collects comments over the 48 hours after RevOS first looks at it, most of
//! them early, from synthetic people who use the watching campaign's own trigger words (the
//! monitor reads through [`Sandbox::with_triggers`]): about 45 % write a trigger word (in
//! any case, in a sentence), 15 % a typo the matcher tolerates, 12 % a near-miss it must not
//! take (the word inside a longer one, two letters dropped, a phrase run together), and the
//! rest plain chatter. The first commenter asks for the lead magnet within 25 seconds, so a
//! trial sees a lead at the monitor's next pass. 70 % are connected to the account from the
//! start and 15 % connect later, one in ten comments twice. About a third of the people
//! DMed reply 1 to 30 hours later (one in ten of those asking to stop), and the first person an
//! account DMs answers within 2 to 4 minutes, so a trial sees a reply in the inbox. 60 % have an
//! email Apollo would find: most of them verified, some only likely (`likely to engage`) and
//! a few `unverified`, so the email fallback's deliverability rule shows in the demo too.

mod email;

use crate::ProviderError;
use crate::traits::{
    ChatActivity, ChatMessage, ChatPage, CommentPage, Commenter, CreatedPost, LinkedIn, OwnPost,
    PostComment, PostMetrics, SentDm,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use revos_domain::Clock;
use revos_domain::triggers::{qualifies, words};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

const FIRST: [&str; 16] = [
    "Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Inès", "Jonas", "Kemi",
    "Liam", "Maya", "Noah", "Olga", "Priya",
];
const LAST: [&str; 12] = [
    "Lopez", "Smith", "Müller", "Khan", "Okafor", "Rossi", "Tanaka", "Dubois", "Silva", "Novak",
    "Berg", "Patel",
];
const COMPANIES: [&str; 8] = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell",
];
const CHATTER: [&str; 5] = [
    "Great post!",
    "So true.",
    "Thanks for sharing",
    "Interesting take",
    "Love this 👏",
];

/// A 64-bit mix of the inputs (splitmix64 over FNV-1a), so the world depends only on the seed.
fn mix(seed: u64, parts: &[&str], n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for p in parts {
        for b in p.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform draw in [0, 1) from a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A message in a sandbox chat: (id, text, sent by the account, when).
type SandboxMessage = (String, String, bool, DateTime<Utc>);

#[derive(Default)]
struct World {
    /// When RevOS first looked at each post: its comments unfold from then.
    posts: HashMap<String, DateTime<Utc>>,
    /// When each person was first seen (their later connection counts from then).
    people: HashMap<String, DateTime<Utc>>,
    /// Chats by person: (message id, text, from us, when).
    chats: HashMap<String, Vec<SandboxMessage>>,
    /// The account each person's chat belongs to (the one that DMed them).
    chat_accounts: HashMap<String, String>,
    enrolled: HashMap<String, HashSet<String>>,
    received: Vec<ReceivedDm>,
    /// The person who got each account's first DM: they answer within minutes, so a trial
    /// sees a reply in the inbox.
    first_dm: HashMap<String, String>,
    /// Posts the accounts published, oldest first.
    published: Vec<SandboxPost>,
    next: u64,
}

/// A post published to the simulated LinkedIn.
#[derive(Clone, Debug)]
struct SandboxPost {
    account: String,
    id: String,
    text: String,
    at: DateTime<Utc>,
    /// Its attachments: (file name, media type, size in bytes), in order.
    attachments: Vec<(String, String, usize)>,
}

/// Where a sandbox post "is": a URL that says it is simulated and resolves nowhere.
fn sandbox_post_url(id: &str) -> String {
    format!("https://sandbox.revos.invalid/linkedin/posts/{id}")
}

/// The simulated owner of a sandbox account: a member id no synthetic commenter has.
pub fn sandbox_owner(account: &str) -> String {
    format!("sbx-owner-{account}")
}

/// A DM the sandbox received: the record `revos demo --send-log` writes, and what tests
/// check pacing against (it is what LinkedIn would have seen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedDm {
    /// The sending account's provider id.
    pub account: String,
    /// The recipient's provider id.
    pub person: String,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// The simulated world. Cheap to share (`Arc`).
pub struct Sandbox {
    seed: u64,
    clock: Arc<dyn Clock>,
    triggers: Vec<String>,
    world: Arc<Mutex<World>>,
}

/// The trigger words commenters use when none are given.
fn or_guide(triggers: Vec<String>) -> Vec<String> {
    let usable: Vec<String> = triggers
        .into_iter()
        .filter(|t| !words(t).is_empty())
        .collect();
    if usable.is_empty() {
        vec!["GUIDE".to_owned()]
    } else {
        usable
    }
}

impl Sandbox {
    /// A world from `seed` whose commenters use `triggers` (e.g. `["GUIDE"]`).
    pub fn new(seed: u64, clock: Arc<dyn Clock>, triggers: Vec<String>) -> Self {
        Self {
            seed,
            clock,
            triggers: or_guide(triggers),
            world: Arc::new(Mutex::new(World::default())),
        }
    }

    /// The same world (its people, chats and clock), seen by a campaign listening for
    /// `triggers`: its posts' commenters write those words, typos and near-misses of them,
    /// so any campaign gets leads. Deterministic: the same seed, post and triggers give the
    /// same comments. No triggers (every commenter qualifies) keeps the default words.
    pub fn with_triggers(&self, triggers: &[String]) -> Self {
        Self {
            seed: self.seed,
            clock: Arc::clone(&self.clock),
            triggers: or_guide(triggers.to_vec()),
            world: Arc::clone(&self.world),
        }
    }

    /// The attachments (file name, media type, size) a simulated post was published with;
    /// `None` for a post the sandbox never published.
    pub fn published_attachments(&self, post: &str) -> Option<Vec<(String, String, usize)>> {
        self.world()
            .published
            .iter()
            .find(|p| p.id == post)
            .map(|p| p.attachments.clone())
    }

    /// Every DM received so far, in order.
    pub fn received_dms(&self) -> Vec<ReceivedDm> {
        self.world().received.clone()
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn person(&self, post: &str, j: u64) -> Commenter {
        let h = mix(self.seed, &["person", post], j);
        let id = format!("sbx-{:012x}", h >> 16);
        let name = format!(
            "{} {}",
            FIRST[(h % 16) as usize],
            LAST[((h >> 8) % 12) as usize]
        );
        Commenter {
            headline: Some(format!(
                "Head of Growth at {}",
                COMPANIES[((h >> 16) % 8) as usize]
            )),
            profile_url: Some(format!("https://www.linkedin.com/in/{id}")),
            connected: Some(self.connected_from_start(&id)),
            provider_id: id,
            name,
        }
    }

    fn connected_from_start(&self, person: &str) -> bool {
        unit(mix(self.seed, &["connected", person], 0)) < 0.70
    }

    /// When a not-yet-connected person accepts, counted from when they were first seen.
    fn connects_after(&self, person: &str) -> Option<Duration> {
        let u = unit(mix(self.seed, &["connects", person], 0));
        (u < 0.5).then(|| Duration::minutes(360 + (u * 2.0 * 1080.0) as i64))
    }

    /// What comment `k` of commenter `j` on `post` says. The first commenter's first comment
    /// always asks with a trigger word.
    fn comment_text(&self, post: &str, j: u64, k: u64) -> String {
        let h = mix(self.seed, &["text", post], j * 7 + k);
        let u = if j == 0 && k == 0 { 0.0 } else { unit(h) };
        let trigger = &self.triggers[((h >> 8) % self.triggers.len() as u64) as usize];
        let shout = !(h >> 16).is_multiple_of(3);
        let cased = |w: &str| {
            if shout {
                w.to_uppercase()
            } else {
                w.to_lowercase()
            }
        };
        let asking = |word: &str| match (h >> 24) % 4 {
            0 => format!("{word}!"),
            1 => format!("{word} please 🙏"),
            2 => format!("Would love the {word}, thanks"),
            _ => format!("Yes — {word}"),
        };
        if u < 0.45 {
            return asking(&cased(trigger));
        }
        if u < 0.60 {
            return asking(&cased(&typo(trigger).unwrap_or_else(|| trigger.clone())));
        }
        let near = (u < 0.72).then(|| {
            let word = cased(&near_miss(trigger, h >> 32));
            match (h >> 24) % 3 {
                0 => format!("Is this about {word}?"),
                1 => format!("{word} is overrated"),
                _ => format!("We tried {word} last year"),
            }
        });
        // Near-misses and chatter must not qualify (a trigger may be a common word).
        let first = (h % CHATTER.len() as u64) as usize;
        let chatter = (0..CHATTER.len()).map(|i| CHATTER[(first + i) % CHATTER.len()].to_owned());
        near.into_iter()
            .chain(chatter)
            .find(|text| !qualifies(text, &self.triggers))
            .unwrap_or_else(|| "👍".to_owned())
    }

    /// Every comment of `post` written by `now`, newest first.
    fn comments_until(
        &self,
        post: &str,
        epoch: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, PostComment)> {
        let people = 30 + mix(self.seed, &["size", post], 0) % 40;
        let mut out = Vec::new();
        for j in 0..people {
            let h = mix(self.seed, &["when", post], j);
            let after = if j == 0 {
                // The first asks at once: a trial sees a lead within about a minute.
                5 + (h % 20) as i64
            } else {
                (unit(h).powi(2) * 48.0 * 3600.0) as i64
            };
            let first = epoch + Duration::seconds(after);
            let twice = unit(mix(self.seed, &["twice", post], j)) < 0.1;
            let times = if twice {
                vec![first, first + Duration::minutes(5 + (h % 170) as i64)]
            } else {
                vec![first]
            };
            for (k, at) in times.into_iter().enumerate() {
                if at <= now {
                    let comment = PostComment {
                        id: format!(
                            "sbx-c-{:x}-{j}-{k}",
                            mix(self.seed, &["cid", post], 0) >> 40
                        ),
                        author: self.person(post, j),
                        text: self.comment_text(post, j, k as u64),
                    };
                    out.push((at, comment));
                }
            }
        }
        out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        out
    }

    /// The reply a person sends after our first DM: (delay, text), or `None` if they never do.
    fn reply_of(&self, w: &World, person: &str) -> Option<(Duration, &'static str)> {
        let h = mix(self.seed, &["reply", person], 0);
        let first_of_account = w
            .chat_accounts
            .get(person)
            .is_some_and(|account| w.first_dm.get(account).map(String::as_str) == Some(person));
        if first_of_account {
            return Some((
                Duration::seconds(120 + (h % 120) as i64),
                "Thanks, got it! Very helpful.",
            ));
        }
        if unit(h) >= 0.35 {
            return None;
        }
        let delay = Duration::minutes(60 + ((h >> 20) % (29 * 60)) as i64);
        let text = if (h >> 40).is_multiple_of(10) {
            "Not interested, please stop."
        } else {
            "Thanks, got it! Very helpful."
        };
        Some((delay, text))
    }
}

/// A typo of a one-word trigger of five letters or more that the matcher still takes (its
/// middle letter dropped); `None` for shorter words and phrases, which must match exactly.
fn typo(trigger: &str) -> Option<String> {
    let [word] = words(trigger).try_into().ok()?;
    let mut chars: Vec<char> = word.chars().collect();
    (chars.len() >= 5).then(|| {
        chars.remove(chars.len() / 2);
        chars.into_iter().collect()
    })
}

/// A word close to `trigger` that must not match it: the trigger inside a longer word, two
/// of its letters dropped, or a phrase's words run together.
fn near_miss(trigger: &str, h: u64) -> String {
    let parts = words(trigger);
    if parts.len() > 1 {
        return parts.concat();
    }
    let word = parts.concat();
    let mut chars: Vec<char> = word.chars().collect();
    match h % 3 {
        0 => format!("{word}ing"),
        1 if chars.len() >= 4 => {
            let mid = chars.len() / 2;
            chars.drain(mid - 1..=mid);
            chars.into_iter().collect()
        }
        _ => format!("un{word}"),
    }
}

#[async_trait]
impl LinkedIn for Sandbox {
    fn is_sandbox(&self) -> bool {
        true
    }

    async fn owner(&self, account: &str) -> Result<String, ProviderError> {
        Ok(sandbox_owner(account))
    }

    async fn comments(
        &self,
        _account: &str,
        post: &str,
        cursor: Option<&str>,
    ) -> Result<CommentPage, ProviderError> {
        let now = self.clock.now();
        let epoch = *self.world().posts.entry(post.to_owned()).or_insert(now);
        let all = self.comments_until(post, epoch, now);
        {
            let mut w = self.world();
            for (_, c) in &all {
                w.people.entry(c.author.provider_id.clone()).or_insert(now);
            }
        }
        let start: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let page: Vec<PostComment> = all
            .iter()
            .skip(start)
            .take(50)
            .map(|(_, c)| c.clone())
            .collect();
        let next = (start + 50 < all.len()).then(|| (start + 50).to_string());
        Ok(CommentPage {
            items: page,
            cursor: next,
        })
    }

    async fn is_connected(&self, _account: &str, person: &str) -> Result<bool, ProviderError> {
        if self.connected_from_start(person) {
            return Ok(true);
        }
        let now = self.clock.now();
        let seen = *self.world().people.entry(person.to_owned()).or_insert(now);
        Ok(self.connects_after(person).is_some_and(|d| now >= seen + d))
    }

    async fn send_dm(
        &self,
        account: &str,
        person: &str,
        text: &str,
    ) -> Result<SentDm, ProviderError> {
        if !self.is_connected(account, person).await? {
            let mut e = ProviderError::new(
                "sandbox",
                crate::ProviderErrorKind::Permanent,
                "Recipient cannot be reached",
            );
            e.status = Some(422);
            e.provider_type = Some("errors/no_connection_with_recipient".into());
            return Err(e);
        }
        let now = self.clock.now();
        let mut w = self.world();
        w.next += 1;
        let id = format!("sbx-m-{}", w.next);
        w.received.push(ReceivedDm {
            account: account.to_owned(),
            person: person.to_owned(),
            at: now,
        });
        w.chats.entry(person.to_owned()).or_default().push((
            id.clone(),
            text.to_owned(),
            true,
            now,
        ));
        w.chat_accounts
            .insert(person.to_owned(), account.to_owned());
        w.first_dm
            .entry(account.to_owned())
            .or_insert_with(|| person.to_owned());
        Ok(SentDm {
            chat_id: format!("sbx-chat-{person}"),
            message_id: Some(id),
        })
    }

    async fn send_in_chat(
        &self,
        account: &str,
        chat_id: &str,
        text: &str,
    ) -> Result<Option<String>, ProviderError> {
        let person = chat_id.strip_prefix("sbx-chat-").unwrap_or(chat_id);
        let now = self.clock.now();
        let mut w = self.world();
        if w.chat_accounts.get(person).map(String::as_str) != Some(account) {
            let mut e = ProviderError::new(
                "sandbox",
                crate::ProviderErrorKind::Permanent,
                "Chat not found",
            );
            e.status = Some(404);
            e.provider_type = Some("errors/resource_not_found".into());
            return Err(e);
        }
        w.next += 1;
        let id = format!("sbx-m-{}", w.next);
        w.chats.entry(person.to_owned()).or_default().push((
            id.clone(),
            text.to_owned(),
            true,
            now,
        ));
        Ok(Some(id))
    }

    async fn chat_messages(
        &self,
        _account: &str,
        chat_id: &str,
    ) -> Result<Vec<ChatMessage>, ProviderError> {
        let person = chat_id.strip_prefix("sbx-chat-").unwrap_or(chat_id);
        let now = self.clock.now();
        let (mut messages, reply) = {
            let w = self.world();
            let messages = w.chats.get(person).cloned().unwrap_or_default();
            (messages, self.reply_of(&w, person))
        };
        if let (Some(first), Some((delay, text))) = (messages.first().map(|m| m.3), reply)
            && now >= first + delay
        {
            messages.push((
                format!("sbx-reply-{person}"),
                text.to_owned(),
                false,
                first + delay,
            ));
        }
        messages.sort_by_key(|m| std::cmp::Reverse(m.3));
        Ok(messages
            .into_iter()
            .map(|(id, text, from_us, at)| ChatMessage {
                id,
                text,
                from_us,
                at: Some(at),
            })
            .collect())
    }

    async fn recent_chats(
        &self,
        account: &str,
        after: DateTime<Utc>,
        cursor: Option<&str>,
    ) -> Result<ChatPage, ProviderError> {
        const PAGE: usize = 100;
        let now = self.clock.now();
        let mut active: Vec<ChatActivity> = {
            let w = self.world();
            w.chats
                .iter()
                .filter(|(person, _)| {
                    w.chat_accounts.get(*person).map(String::as_str) == Some(account)
                })
                .filter_map(|(person, messages)| {
                    let last = messages.iter().map(|m| m.3).max()?;
                    // Their reply (drawn from the seed) counts once its time has come.
                    let reply = self
                        .reply_of(&w, person)
                        .map(|(delay, _)| {
                            messages.iter().map(|m| m.3).min().unwrap_or(last) + delay
                        })
                        .filter(|at| *at <= now);
                    let at = reply.map_or(last, |r| r.max(last));
                    (at > after).then(|| ChatActivity {
                        id: format!("sbx-chat-{person}"),
                        last_message_at: Some(at),
                    })
                })
                .collect()
        };
        active.sort_by(|a, b| {
            b.last_message_at
                .cmp(&a.last_message_at)
                .then(a.id.cmp(&b.id))
        });
        let start: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let next = (start + PAGE < active.len()).then(|| (start + PAGE).to_string());
        Ok(ChatPage {
            items: active.into_iter().skip(start).take(PAGE).collect(),
            cursor: next,
        })
    }

    async fn find_chat(
        &self,
        _account: &str,
        person: &str,
    ) -> Result<Option<String>, ProviderError> {
        Ok(self
            .world()
            .chats
            .contains_key(person)
            .then(|| format!("sbx-chat-{person}")))
    }

    async fn reply_to_comment(
        &self,
        _account: &str,
        _post: &str,
        _comment: &str,
        _text: &str,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn create_post(
        &self,
        account: &str,
        text: &str,
        attachments: &[crate::PostAttachment],
    ) -> Result<CreatedPost, ProviderError> {
        if let Some(empty) = attachments.iter().find(|a| a.bytes.is_empty()) {
            return Err(ProviderError::new(
                "sandbox",
                crate::ProviderErrorKind::Permanent,
                format!("attachment {:?} is empty", empty.name),
            ));
        }
        let now = self.clock.now();
        let mut w = self.world();
        w.next += 1;
        let id = format!("sbx-post-{}", w.next);
        w.published.push(SandboxPost {
            account: account.to_owned(),
            id: id.clone(),
            text: text.to_owned(),
            at: now,
            attachments: attachments
                .iter()
                .map(|a| (a.name.clone(), a.content_type.clone(), a.bytes.len()))
                .collect(),
        });
        Ok(CreatedPost {
            url: Some(sandbox_post_url(&id)),
            id: Some(id),
        })
    }

    async fn recent_posts(&self, account: &str) -> Result<Vec<OwnPost>, ProviderError> {
        Ok(self
            .world()
            .published
            .iter()
            .rev()
            .filter(|p| p.account == account)
            .take(20)
            .map(|p| OwnPost {
                id: p.id.clone(),
                text: p.text.clone(),
                url: Some(sandbox_post_url(&p.id)),
            })
            .collect())
    }

    async fn post_metrics(&self, _account: &str, post: &str) -> Result<PostMetrics, ProviderError> {
        let Some(at) = self
            .world()
            .published
            .iter()
            .find(|p| p.id == post)
            .map(|p| p.at)
        else {
            let mut e = ProviderError::new(
                "sandbox",
                crate::ProviderErrorKind::Permanent,
                "Post not found",
            );
            e.status = Some(404);
            e.provider_type = Some("errors/resource_not_found".into());
            return Err(e);
        };
        // Engagement grows over the first two days, to a ceiling drawn from the seed.
        let hours = (self.clock.now() - at).num_minutes().clamp(0, 48 * 60) as f64 / 60.0;
        let share = (hours / 48.0).sqrt();
        let h = mix(self.seed, &["post-metrics", post], 0);
        let scaled = |max: u64, salt: u32| ((((h >> salt) % max) as f64) * share).round() as i64;
        Ok(PostMetrics {
            reactions: Some(scaled(400, 0)),
            comments: Some(scaled(60, 16)),
            reposts: Some(scaled(20, 32)),
            impressions: Some(scaled(20_000, 40)),
            url: Some(sandbox_post_url(post)),
        })
    }
}

#[cfg(test)]
mod tests;

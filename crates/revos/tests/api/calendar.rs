//! The content calendar over the API (issue 21, item 3): a span of days lists the workspace's
//! drafts, scheduled and published posts with their times in UTC and in the account's time
//! zone (another workspace sees nothing, a client no drafts); a post is scheduled and moved at
//! a local time of its account across a DST change (a skipped time refused, a repeated one
//! its earliest reading); bad input names its field; and the best posting times are learnt
//! from posts published through the fake Unipile whose counts the metrics refresh read back.

use crate::both_backends;
use crate::helpers::{Db, TestApp, error_fields};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use reqwest::StatusCode;
use revos_providers::fakes::unipile::{FakeUnipile, Running};
use serde_json::{Value, json};
use uuid::Uuid;

both_backends!(
    the_calendar_lists_a_range_and_nothing_of_another_workspace,
    posts_are_scheduled_and_moved_in_local_time_across_dst,
    bad_calendar_input_names_the_field,
    best_times_are_learnt_from_published_posts,
);

const BERLIN: &str = "Europe/Berlin";

/// The app wired to a fake Unipile, an owner, a cartridge and an account in Berlin.
struct World {
    t: TestApp,
    unipile: Running,
    owner: String,
    /// The owner's session (for the pages).
    session: String,
    cartridge: String,
    account: Uuid,
}

async fn world(db: Db) -> World {
    let unipile = FakeUnipile::start().await;
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            unipile_url: Some(unipile.base_url.clone()),
            unipile_key: Some("unipile-key".to_owned().into()),
            timeout: std::time::Duration::from_millis(500),
            ..Default::default()
        },
    )
    .await;
    unipile.state.add_account("acc1", "Dana");
    let (session, _, _) = t.signup("dana@example.com", "Acme").await;
    // An API key: it outlives the simulated weeks the tests move the clock by.
    let (status, key) = t
        .post(
            "/api/v1/api-keys",
            Some(&session),
            json!({"name": "calendar"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let owner = key["key"].as_str().unwrap().to_owned();
    let (status, c) = t
        .post(
            "/api/v1/cartridges",
            Some(&owner),
            crate::helpers::cartridge("Dana's voice"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let account = crate::helpers::unipile_account(&t, &owner, (0, 1), 100).await;
    let (status, a) = t
        .patch(
            &format!("/api/v1/linkedin-accounts/{account}/pacing"),
            &owner,
            json!({"time_zone": BERLIN}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    World {
        t,
        unipile,
        owner,
        session,
        cartridge: c["id"].as_str().unwrap().to_owned(),
        account,
    }
}

/// A draft with the account; its id.
async fn draft(w: &World, body: &str) -> String {
    let (status, p) =
        w.t.post(
            "/api/v1/posts",
            Some(&w.owner),
            json!({"body": body, "cartridge_id": w.cartridge, "linkedin_account_id": w.account}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_owned()
}

/// An approved post; its id.
async fn approved(w: &World, body: &str) -> String {
    let id = draft(w, body).await;
    for action in ["submit", "approve"] {
        let (status, p) = step(w, &id, action, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{action}: {p}");
    }
    id
}

async fn step(w: &World, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
    w.t.post(
        &format!("/api/v1/posts/{id}/{action}"),
        Some(&w.owner),
        body,
    )
    .await
}

fn berlin() -> Tz {
    BERLIN.parse().unwrap()
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&berlin()).date_naive()
}

async fn calendar(w: &World, token: &str, query: &str) -> Value {
    let (status, c) = w.t.get(&format!("/api/v1/calendar?{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{query}: {c}");
    c
}

fn ids(c: &Value) -> Vec<String> {
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_calendar_lists_a_range_and_nothing_of_another_workspace(db: Db) {
    let w = world(db).await;
    let now = w.t.app.now();
    let today = local_date(now);
    let a_draft = draft(&w, "Draft first line\nsecond line").await;
    let scheduled = approved(&w, "Scheduled post").await;
    let in_two_days = today + Duration::days(2);
    let (status, p) = step(
        &w,
        &scheduled,
        "schedule",
        json!({"local_at": format!("{in_two_days}T09:30")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let published = approved(&w, "Published post").await;
    let (status, p) = step(&w, &published, "publish", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "published");

    let range = format!(
        "from={}&to={}&account_id={}",
        today - Duration::days(1),
        today + Duration::days(3),
        w.account
    );
    let c = calendar(&w, &w.owner, &range).await;
    assert_eq!(c["time_zone"], BERLIN, "{c}");
    let mut got = ids(&c);
    got.sort();
    let mut want = vec![a_draft.clone(), scheduled.clone(), published.clone()];
    want.sort();
    assert_eq!(got, want, "{c}");
    let items = c["items"].as_array().unwrap();
    let by_id = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();
    let s = by_id(&scheduled);
    assert_eq!(s["status"], "scheduled");
    assert_eq!(s["time_zone"], BERLIN);
    assert_eq!(s["local_at"], format!("{in_two_days}T09:30"));
    let want_utc = berlin()
        .from_local_datetime(&in_two_days.and_hms_opt(9, 30, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        s["at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
        want_utc
    );
    assert_eq!(s["account_name"], "Dana");
    assert_eq!(s["client_name"], "Dana's voice");
    assert_eq!(s["client_id"], w.cartridge.as_str());
    let d = by_id(&a_draft);
    assert_eq!(d["first_line"], "Draft first line");
    assert_eq!(d["preview"]["chars"], 28);
    assert_eq!(d["preview"]["has_more"], false);
    let p = by_id(&published);
    assert_eq!(p["status"], "published");
    // Items come in time order: the scheduled post is last.
    assert_eq!(items.last().unwrap()["id"], scheduled.as_str());

    // A range that holds none of them, and a client filter that matches none.
    let later = format!(
        "from={}&to={}",
        today + Duration::days(5),
        today + Duration::days(6)
    );
    assert!(ids(&calendar(&w, &w.owner, &later).await).is_empty());
    let (_, other_cartridge) =
        w.t.post(
            "/api/v1/cartridges",
            Some(&w.owner),
            crate::helpers::cartridge("Other client"),
        )
        .await;
    let filtered = format!(
        "from={}&to={}&client_id={}",
        today - Duration::days(1),
        today + Duration::days(3),
        other_cartridge["id"].as_str().unwrap()
    );
    assert!(ids(&calendar(&w, &w.owner, &filtered).await).is_empty());

    // Another workspace sees nothing of it, and cannot name its account.
    let (other, _, _) = w.t.signup("eve@example.com", "Evil").await;
    let whole = format!(
        "from={}&to={}",
        today - Duration::days(1),
        today + Duration::days(3)
    );
    assert!(ids(&calendar(&w, &other, &whole).await).is_empty());
    let (status, body) = w.t.get(&format!("/api/v1/calendar?{range}"), &other).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["account_id"]);

    // A client sees the scheduled and published posts, not the agency's draft.
    let (_, inv) =
        w.t.post(
            "/api/v1/invitations",
            Some(&w.owner),
            json!({"email": "cleo@client.example", "role": "client"}),
        )
        .await;
    let (status, s) =
        w.t.post(
            "/api/v1/invitations/accept",
            None,
            json!({"token": inv["token"], "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let client = s["token"].as_str().unwrap();
    let mut seen = ids(&calendar(&w, client, &whole).await);
    seen.sort();
    let mut want = vec![scheduled.clone(), published.clone()];
    want.sort();
    assert_eq!(seen, want);
    let (status, _) = w.t.get("/api/v1/calendar/best-times", client).await;
    assert_eq!(status, StatusCode::OK);

    // The page: the owner's has labelled forms to move and schedule; the client's is read only.
    let week = format!(
        "/calendar?view=week&date={in_two_days}&account_id={}",
        w.account
    );
    let (status, html) = page(&w, w.session.as_str(), &week).await;
    assert_eq!(status, StatusCode::OK);
    crate::ui_html::assert_labelled(&html, "/calendar");
    assert!(html.contains(&format!("data-post-id=\"{scheduled}\"")));
    assert!(html.contains("class=\"move-form\"") && html.contains("class=\"slot-add\""));
    let (status, html) = page(&w, client, &week).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-post-id=\"{scheduled}\"")));
    assert!(
        !html.contains(&format!("data-post-id=\"{a_draft}\"")),
        "no drafts for a client"
    );
    assert!(
        !html.contains("move-form") && !html.contains("slot-add"),
        "read only"
    );
}

/// A page as the holder of the session `token`: its status and HTML.
async fn page(w: &World, token: &str, path: &str) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", w.t.base))
        .header(reqwest::header::COOKIE, format!("revos_session={token}"))
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// The first Sunday after `after` on which Berlin's clocks skip 02:30 (spring forward), and
/// the first on which they read it twice (autumn).
fn dst_sundays(after: NaiveDate) -> (NaiveDate, NaiveDate) {
    let tz = berlin();
    let reads = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(2, 30, 0).unwrap())
            .single()
            .is_some()
    };
    let mut skipped = None;
    let mut twice = None;
    let mut d = after;
    while skipped.is_none() || twice.is_none() {
        d = d.succ_opt().unwrap();
        if d.weekday() == chrono::Weekday::Sun && !reads(d) {
            let t = tz.from_local_datetime(&d.and_hms_opt(2, 30, 0).unwrap());
            if t.earliest().is_none() {
                skipped.get_or_insert(d);
            } else {
                twice.get_or_insert(d);
            }
        }
    }
    (skipped.unwrap(), twice.unwrap())
}

async fn posts_are_scheduled_and_moved_in_local_time_across_dst(db: Db) {
    let w = world(db).await;
    let (spring, autumn) = dst_sundays(local_date(w.t.app.now()));
    let id = approved(&w, "Across the clock change").await;
    let at = |p: &Value| {
        p["scheduled_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap()
    };
    let utc =
        |d: NaiveDate, h: u32, m: u32| Utc.from_utc_datetime(&d.and_hms_opt(h, m, 0).unwrap());

    // The Saturday before: winter time, UTC+1.
    let saturday = spring.pred_opt().unwrap();
    let (status, p) = step(
        &w,
        &id,
        "schedule",
        json!({"local_at": format!("{saturday}T09:30")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(at(&p), utc(saturday, 8, 30));

    // 02:30 on the Sunday never happens: refused, naming the field; the post stays put.
    let (status, body) = step(
        &w,
        &id,
        "schedule",
        json!({"local_at": format!("{spring}T02:30")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["local_at"]);
    assert!(
        body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{body}"
    );
    let (_, p) = w.t.get(&format!("/api/v1/posts/{id}"), &w.owner).await;
    assert_eq!(at(&p), utc(saturday, 8, 30));

    // Moving the scheduled post to Monday 09:30: summer time, UTC+2.
    let monday = spring.succ_opt().unwrap();
    let (status, p) = step(
        &w,
        &id,
        "schedule",
        json!({"local_at": format!("{monday}T09:30"), "linkedin_account_id": w.account}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "scheduled");
    assert_eq!(at(&p), utc(monday, 7, 30));
    let moves: Vec<(Value, Value)> = p["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone()))
        .collect();
    assert_eq!(
        moves[moves.len() - 2..],
        [
            (json!("scheduled"), json!("approved")),
            (json!("approved"), json!("scheduled"))
        ],
        "a move is unscheduling and scheduling again"
    );

    // 02:30 on the autumn Sunday happens twice: the earliest, still summer time (UTC+2).
    let (status, p) = step(
        &w,
        &id,
        "schedule",
        json!({"local_at": format!("{autumn}T02:30")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(at(&p), utc(autumn, 0, 30));

    // The UTC `at` still works, and the calendar shows the local reading.
    let (status, p) = step(&w, &id, "schedule", json!({"at": utc(monday, 11, 0)})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let c = calendar(
        &w,
        &w.owner,
        &format!("from={monday}&to={monday}&account_id={}", w.account),
    )
    .await;
    assert_eq!(c["items"][0]["local_at"], format!("{monday}T13:00"), "{c}");

    // The old schedule's publish jobs do nothing: only the last time publishes.
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(&w.t.app),
        w.t.app.clone(),
        w.t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    runner
        .run_simulated_until(&w.t.clock, utc(monday, 10, 59))
        .await
        .unwrap();
    assert!(
        w.unipile.state.created_posts().is_empty(),
        "nothing went out at the old times"
    );
    runner
        .run_simulated_until(&w.t.clock, utc(monday, 11, 1))
        .await
        .unwrap();
    assert_eq!(w.unipile.state.created_posts().len(), 1);
}

async fn bad_calendar_input_names_the_field(db: Db) {
    let w = world(db).await;
    let bad = |query: &'static str, field: &'static str| (query.to_owned(), field);
    let cases = [
        bad("to=2026-12-10", "from"),
        bad("from=2026-12-10", "to"),
        bad("from=yesterday&to=2026-12-10", "from"),
        bad("from=2026-12-10&to=2026-12-09", "to"),
        bad("from=2026-12-01&to=2027-02-01", "to"),
        bad("from=2026-12-01&to=2026-12-02&tz=Mars/Base", "tz"),
        bad("from=2026-12-01&to=2026-12-02&client_id=nope", "client_id"),
        bad(
            "from=2026-12-01&to=2026-12-02&account_id=nope",
            "account_id",
        ),
        (
            format!("from=2026-12-01&to=2026-12-02&client_id={}", Uuid::now_v7()),
            "client_id",
        ),
    ];
    for (query, field) in cases {
        let (status, body) =
            w.t.get(&format!("/api/v1/calendar?{query}"), &w.owner)
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(error_fields(&body), [field], "{query}: {body}");
    }
    // 62 days counting both ends is the most.
    calendar(&w, &w.owner, "from=2026-01-01&to=2026-03-03").await;
    let (status, body) =
        w.t.get(
            &format!("/api/v1/calendar/best-times?account_id={}", Uuid::now_v7()),
            &w.owner,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["account_id"]);

    // Scheduling: neither time, both, a malformed local time, one in the past.
    let id = approved(&w, "To schedule").await;
    let tomorrow = local_date(w.t.app.now()) + Duration::days(1);
    let yesterday = local_date(w.t.app.now()) - Duration::days(1);
    for (body, field) in [
        (json!({}), "at"),
        (
            json!({"at": w.t.app.now() + Duration::hours(1), "local_at": format!("{tomorrow}T09:00")}),
            "local_at",
        ),
        (json!({"local_at": "next tuesday"}), "local_at"),
        (
            json!({"local_at": format!("{yesterday}T09:00")}),
            "local_at",
        ),
    ] {
        let (status, resp) = step(&w, &id, "schedule", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        assert_eq!(error_fields(&resp), [field], "{body}: {resp}");
    }
    // A post that is no approved or scheduled post cannot be scheduled, local time or not.
    let d = draft(&w, "Only a draft").await;
    let (status, resp) = step(
        &w,
        &d,
        "schedule",
        json!({"local_at": format!("{tomorrow}T09:00")}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");
}

/// The best posting times in the account's zone, as the owner.
async fn best(w: &World) -> Value {
    let path = format!("/api/v1/calendar/best-times?account_id={}", w.account);
    let (status, b) = w.t.get(&path, &w.owner).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    b
}

/// Publishes an approved post now through the fake Unipile at the clock's time; its
/// LinkedIn id.
async fn publish_at(w: &World, when: DateTime<Utc>, body: &str) -> String {
    let id = approved(w, body).await;
    w.t.clock.advance_to(when);
    let (status, p) = step(w, &id, "publish", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    p["provider_post_id"].as_str().unwrap().to_owned()
}

async fn best_times_are_learnt_from_published_posts(db: Db) {
    let w = world(db).await;
    let runner = revos_jobs::Runner::new(
        revos_workers::registry(&w.t.app),
        w.t.app.clone(),
        w.t.app.clock(),
        revos_jobs::RunnerConfig::default(),
        Vec::new(),
    );
    let b = best(&w).await;
    assert_eq!(b["enough"], false);
    assert_eq!(b["posts"], 0);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("not enough published posts yet"),
        "{b}"
    );

    // The next Monday, a week on, in winter or summer alike: UTC hours, shifted by Berlin's
    // offset then.
    let start = w.t.app.now() + Duration::days(7);
    let monday =
        start.date_naive() + Duration::days(i64::from(7 - start.weekday().num_days_from_monday()));
    let at = |days: i64, h: u32, m: u32| {
        Utc.from_utc_datetime(
            &(monday + Duration::days(days))
                .and_hms_opt(h, m, 0)
                .unwrap(),
        )
    };
    // (when, reactions): Monday 08:xx UTC twice (20 each), Tuesday 17:05 (50), Wednesday
    // 12:00 (5), Thursday 06:00 (1).
    let plan = [
        (at(0, 8, 10), 20),
        (at(0, 8, 40), 20),
        (at(1, 17, 5), 50),
        (at(2, 12, 0), 5),
        (at(3, 6, 0), 1),
    ];
    let mut published = Vec::new();
    for (i, (when, reactions)) in plan.iter().enumerate() {
        let pid = publish_at(&w, *when, &format!("Post number {i}")).await;
        published.push((pid, *reactions));
        if i == 3 {
            // Four posts with counts are not enough yet.
            for (pid, r) in &published {
                w.unipile.state.set_counts(pid, *r, 0, 1000);
            }
            runner
                .run_simulated_until(&w.t.clock, *when + Duration::minutes(20))
                .await
                .unwrap();
            let b = best(&w).await;
            assert_eq!(
                (b["enough"].clone(), b["posts"].clone()),
                (json!(false), json!(4)),
                "{b}"
            );
            assert!(b["slots"].as_array().unwrap().is_empty());
        }
    }
    // The last post gains a comment too: engagement is reactions and comments.
    let (last_pid, _) = published.last().unwrap().clone();
    w.unipile
        .state
        .add_comment(&last_pid, "ACoFan", "Fan One", "So true", false);
    for (pid, r) in &published {
        w.unipile.state.set_counts(pid, *r, 0, 1000);
    }
    w.t.app.poll_post_metrics().await.unwrap();
    runner
        .run_simulated_until(&w.t.clock, plan[4].0 + Duration::minutes(30))
        .await
        .unwrap();

    let b = best(&w).await;
    assert_eq!(b["enough"], true, "{b}");
    assert_eq!(b["posts"], 5);
    assert_eq!(b["time_zone"], BERLIN);
    let offset = |t: DateTime<Utc>| {
        (t.with_timezone(&berlin()).naive_local() - t.naive_utc()).num_hours() as u32
    };
    // Berlin's offset when the best times were read (the clock's now).
    let shift = offset(w.t.app.now());
    let slots: Vec<(String, u64, u64)> = b["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                format!("{} {}", s["weekday"].as_str().unwrap(), s["hour"]),
                s["posts"].as_u64().unwrap(),
                s["engagement_per_post"].as_f64().unwrap() as u64,
            )
        })
        .collect();
    assert_eq!(
        slots,
        [
            (format!("tuesday {}", 17 + shift), 1, 50),
            (format!("monday {}", 8 + shift), 2, 20),
            (format!("wednesday {}", 12 + shift), 1, 5),
        ],
        "{b}"
    );
    // Thursday 06:00 has 1 reaction and 1 comment: 2, not in the top three.
    let (other, _, _) = w.t.signup("eve@example.com", "Evil").await;
    let (status, theirs) = w.t.get("/api/v1/calendar/best-times", &other).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        theirs["posts"], 0,
        "another workspace learns nothing from these"
    );
}

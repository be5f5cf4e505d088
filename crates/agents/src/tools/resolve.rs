//! Finding what a tool argument names: a campaign, lead, cartridge or LinkedIn account given by
//! id or by name. Names match ignoring case, exactly first and then as a part of the name; more
//! than one match is an error listing the candidates, so the caller can say which.

use super::ToolError;
use revos_app::accounts::Account;
use revos_app::campaigns::Campaign;
use revos_app::cartridges::Cartridge;
use revos_app::leads::{Lead, LeadFilter};
use revos_app::{App, Principal};
use revos_domain::{CartridgeId, Page, PageRequest};
use uuid::Uuid;

/// Every page of a list, read in order.
pub(super) async fn all<T, F, Fut>(mut read: F) -> Result<Vec<T>, ToolError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = revos_app::Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = read(PageRequest {
            limit: PageRequest::MAX_LIMIT,
            after,
        })
        .await?;
        items.extend(page.items);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

/// The one item `query` names among `items`.
fn pick<T>(
    what: &str,
    field: &str,
    query: &str,
    items: Vec<T>,
    id: impl Fn(&T) -> Uuid,
    name: impl Fn(&T) -> &str,
) -> Result<T, ToolError> {
    let q = query.trim();
    if q.is_empty() {
        return Err(ToolError::field(
            "invalid_arguments",
            field,
            format!("{field}: name the {what} (its name or id)"),
        ));
    }
    if let Ok(wanted) = Uuid::parse_str(q) {
        return items.into_iter().find(|i| id(i) == wanted).ok_or_else(|| {
            ToolError::field("not_found", field, format!("no {what} with id {wanted}"))
        });
    }
    let lower = q.to_lowercase();
    let (exact, rest): (Vec<T>, Vec<T>) = items
        .into_iter()
        .partition(|i| name(i).trim().to_lowercase() == lower);
    let candidates = if exact.is_empty() {
        rest.into_iter()
            .filter(|i| name(i).to_lowercase().contains(&lower))
            .collect()
    } else {
        exact
    };
    match candidates.len() {
        1 => Ok(candidates.into_iter().next().expect("one candidate")),
        0 => Err(ToolError::field(
            "not_found",
            field,
            format!("no {what} named {q:?}"),
        )),
        _ => {
            let listed: Vec<String> = candidates
                .iter()
                .map(|i| format!("{} ({})", name(i), id(i)))
                .collect();
            Err(ToolError::field(
                "ambiguous",
                field,
                format!(
                    "{q:?} matches more than one {what}: {}; name one by its id",
                    listed.join(", ")
                ),
            ))
        }
    }
}

/// The campaign `query` names.
pub(super) async fn campaign(
    app: &App,
    who: &Principal,
    field: &str,
    query: &str,
) -> Result<Campaign, ToolError> {
    if let Ok(id) = Uuid::parse_str(query.trim()) {
        return app.get_campaign(who, id).await.map_err(|e| match e {
            revos_app::AppError::NotFound(_) => {
                ToolError::field("not_found", field, format!("no campaign with id {id}"))
            }
            other => other.into(),
        });
    }
    let items = all(|p| app.list_campaigns(who, None, p)).await?;
    pick("campaign", field, query, items, |c| c.id, |c| &c.spec.name)
}

/// The cartridge `query` names.
pub(super) async fn cartridge(
    app: &App,
    who: &Principal,
    field: &str,
    query: &str,
) -> Result<Cartridge, ToolError> {
    let items = all(|p| app.list_cartridges(who, p)).await?;
    pick(
        "cartridge",
        field,
        query,
        items,
        |c| c.id.0,
        |c| &c.spec.name,
    )
}

/// The id of the cartridge `query` names.
pub(super) async fn cartridge_id(
    app: &App,
    who: &Principal,
    field: &str,
    query: &str,
) -> Result<CartridgeId, ToolError> {
    Ok(cartridge(app, who, field, query).await?.id)
}

/// The LinkedIn account `query` names.
pub(super) async fn account(
    app: &App,
    who: &Principal,
    field: &str,
    query: &str,
) -> Result<Account, ToolError> {
    let items = all(|p| app.list_accounts(who, p)).await?;
    pick(
        "LinkedIn account",
        field,
        query,
        items,
        |a| a.id,
        |a| &a.display_name,
    )
}

/// The lead `query` names (by id, or by a name the lead search finds).
pub(super) async fn lead(
    app: &App,
    who: &Principal,
    field: &str,
    query: &str,
) -> Result<Lead, ToolError> {
    let q = query.trim();
    if let Ok(id) = Uuid::parse_str(q) {
        return match app.get_lead(who, id).await {
            Ok(detail) => Ok(detail.lead),
            Err(revos_app::AppError::NotFound(_)) => Err(ToolError::field(
                "not_found",
                field,
                format!("no lead with id {id}"),
            )),
            Err(e) => Err(e.into()),
        };
    }
    let filter = LeadFilter {
        q: (!q.is_empty()).then(|| q.to_owned()),
        ..LeadFilter::default()
    };
    let page = PageRequest {
        limit: PageRequest::MAX_LIMIT,
        after: None,
    };
    let items = app.list_leads(who, &filter, page).await?.items;
    pick("lead", field, q, items, |l| l.id, |l| &l.name)
}

//! Provider clients share one connection pool: the clients built for two jobs reach the
//! provider over one TCP connection, where clients with pools of their own open one each.

use crate::both_backends;
use crate::helpers::{Db, TestApp};
use revos_domain::TenantId;
use revos_providers::apollo::Apollo;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::{Enricher, HttpConfig};

both_backends!(two_jobs_clients_reuse_one_connection);

const PERSON: &str = "https://www.linkedin.com/in/ada";

async fn two_jobs_clients_reuse_one_connection(db: Db) {
    let apollo = FakeApollo::start().await;
    apollo
        .state
        .add_person(PERSON, "ada@acme.io", "CTO", "Acme");
    let t = TestApp::spawn_providers(
        db,
        revos_app::providers::ProviderSettings {
            apollo_url: apollo.base_url.clone(),
            apollo_key: Some("apollo-key".to_owned().into()),
            ..Default::default()
        },
    )
    .await;
    let (_, tenant, _) = t.signup("dana@example.com", "Acme").await;
    let tenant = TenantId(tenant.parse().unwrap());

    // Two enrichment jobs each build their client, use it and drop it.
    for _ in 0..2 {
        let enricher = t.app.enricher(tenant).await.unwrap();
        assert!(!enricher.is_sandbox());
        let person = enricher.enrich(PERSON).await.unwrap().unwrap();
        assert_eq!(person.email.as_deref(), Some("ada@acme.io"));
    }
    let peers = apollo.state.peers();
    assert_eq!(peers.len(), 2, "{peers:?}");
    assert_eq!(peers[0], peers[1], "the second job opened a new connection");

    // The control: clients with pools of their own arrive on connections of their own.
    for _ in 0..2 {
        let own = Apollo::new(HttpConfig::new(&apollo.base_url, "k".to_owned().into()));
        own.enrich(PERSON).await.unwrap();
    }
    let peers = apollo.state.peers();
    assert_eq!(peers.len(), 4, "{peers:?}");
    assert_ne!(peers[2], peers[3], "one-off pools shared a connection");
}

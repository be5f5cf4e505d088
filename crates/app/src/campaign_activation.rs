//! The facts activation checks that only the application can look up (the account's status,
//! whether the email fallback's provider has a key), fed to the domain's rule
//! [`revos_domain::campaign_activation::check_activation`]. Activation refuses what cannot
//! work; the chat's campaign tool uses the same check to say what a new draft still lacks.

use crate::outreach::email_fallback::{INSTANTLY_KEY, SMARTLEAD_KEY};
use crate::{App, AppError, Principal, Result};
use revos_domain::campaign::EmailProvider;
use revos_domain::campaign_activation::{ActivationFacts, check_activation};
use revos_domain::{FieldError, SecretName, TenantId, ValidationErrors};
use revos_store::campaigns::CampaignRow;
use revos_store::{Tx, campaigns as store, linkedin_accounts, vault};
use uuid::Uuid;

impl App {
    /// Whether `provider` has an API key for `tenant`: a secret in its vault (only its
    /// presence is read) or the instance's configured key. The sandbox needs none.
    async fn email_key_present(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        provider: EmailProvider,
    ) -> Result<bool> {
        let s = self.provider_settings();
        let (vault_name, instance) = match provider {
            EmailProvider::Sandbox => return Ok(true),
            EmailProvider::Instantly => (INSTANTLY_KEY, &s.instantly_key),
            EmailProvider::Smartlead => (SMARTLEAD_KEY, &s.smartlead_key),
        };
        if instance.is_some() {
            return Ok(true);
        }
        let name = SecretName::parse("name", vault_name)?;
        Ok(vault::get_secret(tx, tenant, &name).await?.is_some())
    }

    /// Checks in `tx` that the campaign `row` can work once active (see
    /// [`check_activation`]); the error names every failing field.
    pub(crate) async fn check_activatable(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        row: &CampaignRow,
    ) -> Result<()> {
        let spec = &row.settings;
        let account = linkedin_accounts::get(tx, tenant, spec.linkedin_account_id)
            .await?
            .ok_or(AppError::NotFound("LinkedIn account"))?;
        let email_provider_has_key = match &spec.email_fallback {
            Some(f) => self.email_key_present(tx, tenant, f.provider).await?,
            None => true,
        };
        let facts = ActivationFacts {
            account_status: account.status,
            email_provider_has_key,
            magnet_is_file: row.magnet_file_id.is_some(),
            public_url: self.provider_settings().public_url.is_some(),
        };
        check_activation(spec, facts)?;
        Ok(())
    }

    /// What stops a campaign from being activated now, field by field; empty when nothing
    /// does. Read-only: the campaign stays as it is.
    pub async fn activation_blockers(&self, who: &Principal, id: Uuid) -> Result<Vec<FieldError>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        match self.check_activatable(&mut tx, who.tenant, &row).await {
            Ok(()) => Ok(Vec::new()),
            Err(AppError::Validation(ValidationErrors(errors))) => Ok(errors),
            Err(e) => Err(e),
        }
    }
}

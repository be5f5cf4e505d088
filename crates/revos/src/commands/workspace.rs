//! `revos admin workspace create`: the operator creates a workspace and its owner, whatever
//! the sign-up rule; the way in for later workspaces when sign-up is `first` or `closed`.

use super::cartridge::UsageError;
use crate::cli::{WorkspaceCommand, WorkspaceCreateArgs};
use crate::config::Settings;
use revos_app::AppError;
use revos_app::operator::NewWorkspace;
use revos_domain::ValidationErrors;

/// Runs one `admin workspace` subcommand.
pub async fn run(settings: Settings, cmd: WorkspaceCommand) -> anyhow::Result<()> {
    match cmd {
        WorkspaceCommand::Create(args) => create(settings, args).await,
    }
}

/// The flag a field of [`revos_app::App::create_workspace`] comes from.
fn flag(field: &str) -> &str {
    match field {
        "name" => "--name",
        "owner_email" => "--owner-email",
        "owner_password" => "--owner-password-file",
        other => other,
    }
}

/// Bad input as one line naming the flags at fault.
fn usage(errors: ValidationErrors) -> anyhow::Error {
    let parts: Vec<String> = errors
        .0
        .iter()
        .map(|f| format!("{}: {}", flag(&f.field), f.message))
        .collect();
    UsageError(parts.join("; ")).into()
}

async fn create(settings: Settings, args: WorkspaceCreateArgs) -> anyhow::Result<()> {
    let password = match &args.owner_password_file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                UsageError(format!(
                    "--owner-password-file: cannot read {}: {e}",
                    file.display()
                ))
            })?;
            Some(text.lines().next().unwrap_or_default().to_owned())
        }
        None => None,
    };
    let new =
        NewWorkspace::parse(&args.name, &args.owner_email, password.as_deref()).map_err(usage)?;
    let app = super::open_app(&settings).await?;
    let created = app.create_workspace(new).await;
    app.close().await;
    let created = created.map_err(|e| match e {
        AppError::Validation(v) => usage(v),
        other => other.into(),
    })?;
    if args.json {
        println!("{}", serde_json::to_string(&created)?);
        return Ok(());
    }
    let account = if created.owner_created {
        "new account"
    } else {
        "existing account, with its own password"
    };
    println!(
        "created workspace {} ({}), owned by {} ({account})",
        created.tenant_id, created.name, created.owner_email
    );
    if let Some(password) = &created.generated_password {
        println!("The owner's password, shown only this once (they log in at /login with it):");
        println!("{password}");
    }
    Ok(())
}

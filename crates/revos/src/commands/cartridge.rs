//! `revos cartridge import | export`: cartridges as YAML or JSON files, on the configured
//! database, as the chosen workspace's first owner.

use crate::cli::{CartridgeCommand, CartridgeExportArgs, CartridgeImportArgs};
use crate::config::Settings;
use revos_app::cartridge_files::CartridgeFormat;
use revos_app::{App, AppError};
use revos_domain::CartridgeId;
use uuid::Uuid;

/// Bad input to an operator command (a file that cannot be read or is not a valid
/// cartridge, an unknown id or workspace, a bad flag value): one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.replace('\n', " "))]
pub struct UsageError(pub String);

/// Runs one `cartridge` subcommand.
pub async fn run(settings: Settings, cmd: CartridgeCommand) -> anyhow::Result<()> {
    let app = super::open_app(&settings).await?;
    let result = match cmd {
        CartridgeCommand::Import(args) => import(&app, args).await,
        CartridgeCommand::Export(args) => export(&app, args).await,
    };
    app.close().await;
    result
}

/// Bad input becomes a [`UsageError`]; anything else stays a failure (exit 1).
fn usage(context: &str, err: AppError) -> anyhow::Error {
    match err {
        AppError::Validation(v) => UsageError(format!("{context}: {}", v.summary())).into(),
        AppError::NotFound(what) => UsageError(format!("{context}: {what} not found")).into(),
        other => other.into(),
    }
}

fn parse_id(raw: &str, flag: &str) -> anyhow::Result<CartridgeId> {
    Uuid::parse_str(raw.trim())
        .map(CartridgeId)
        .map_err(|_| UsageError(format!("{flag}: {raw:?} is not a cartridge id (a UUID)")).into())
}

async fn import(app: &App, args: CartridgeImportArgs) -> anyhow::Result<()> {
    let shown = args.file.display().to_string();
    let bytes =
        std::fs::read(&args.file).map_err(|e| UsageError(format!("cannot read {shown}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        UsageError(format!(
            "{shown}: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let replace = args
        .replace
        .as_deref()
        .map(|r| parse_id(r, "--replace"))
        .transpose()?;
    let format = CartridgeFormat::detect(Some(&shown), None, &text);
    let who = app
        .operator_principal(args.workspace.as_deref())
        .await
        .map_err(|e| usage("workspace", e))?;
    let cartridge = app
        .import_cartridge(&who, &text, format, replace)
        .await
        .map_err(|e| usage(&format!("invalid cartridge file {shown}"), e))?;
    if args.json {
        println!("{}", serde_json::to_string(&cartridge)?);
    } else {
        println!(
            "imported cartridge {} {:?} (version {})",
            cartridge.id, cartridge.spec.name, cartridge.version
        );
    }
    Ok(())
}

async fn export(app: &App, args: CartridgeExportArgs) -> anyhow::Result<()> {
    let id = parse_id(&args.id, "ID")?;
    let format = match (&args.format, &args.output) {
        (Some(f), _) => CartridgeFormat::parse(f)
            .ok_or_else(|| UsageError(format!("--format: {f:?} is not yaml or json")))?,
        (None, Some(path)) => CartridgeFormat::from_file_name(&path.display().to_string())
            .unwrap_or(CartridgeFormat::Yaml),
        (None, None) => CartridgeFormat::Yaml,
    };
    let who = app
        .operator_principal(args.workspace.as_deref())
        .await
        .map_err(|e| usage("workspace", e))?;
    let text = app
        .export_cartridge(&who, id, format)
        .await
        .map_err(|e| usage(&format!("cannot export {id}"), e))?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text)
                .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
            println!("exported cartridge {id} to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

//! Tidepool desktop: the Tauri shell. It adapts `tidepool-control` (supervisor, log follower)
//! to typed commands and events, keeps settings in tauri-plugin-store and the gateway token in
//! the OS keychain, and lives in the tray. No domain logic lives here.

pub mod approvals;
pub mod commands;
pub mod error;
pub mod events;
pub mod keychain;
pub mod settings;
pub mod state;
pub mod tray;

use crate::keychain::TokenHome;
use crate::state::{AppPaths, AppState, LOG_HISTORY};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{Manager, RunEvent, WindowEvent};
use tauri_specta::Builder;
use tidepool_control::{LogBuffer, LogFollower, SidecarConfig, Supervisor};

/// The command and event registry for runtime `$r`: the app uses it through
/// `specta_builder()`, the command tests with Tauri's mock runtime, so both serve exactly the
/// same commands. (A macro because `collect_commands!` cannot see a function's type parameter.)
#[macro_export]
macro_rules! specta_builder_for {
    ($r:ty) => {
        ::tauri_specta::Builder::<$r>::new()
            .commands(::tauri_specta::collect_commands![
                $crate::commands::gateway::gateway_status,
                $crate::commands::gateway::gateway_start,
                $crate::commands::gateway::gateway_stop,
                $crate::commands::gateway::gateway_restart,
                $crate::commands::gateway::gateway_metrics,
                $crate::commands::logs::logs_recent,
                $crate::commands::logs::logs_export::<$r>,
                $crate::commands::settings::settings_get,
                $crate::commands::settings::settings_set::<$r>,
                $crate::commands::config::config_load,
                $crate::commands::config::config_save,
                $crate::commands::config::config_restore_last_good,
                $crate::commands::config::config_last_good,
                $crate::commands::config::config_schema,
                $crate::commands::config::config_store_secret,
                $crate::commands::config::config_edit,
                $crate::commands::chat::chat_sessions,
                $crate::commands::chat::chat_history,
                $crate::commands::chat::chat_send,
                $crate::commands::chat::chat_retry,
                $crate::commands::chat::chat_abort,
                $crate::commands::chat::chat_new,
                $crate::commands::chat::chat_models,
                $crate::commands::chat::chat_set_model,
                $crate::commands::sessions::sessions_reset,
                $crate::commands::sessions::sessions_rename,
                $crate::commands::sessions::sessions_delete,
                $crate::commands::sessions::sessions_compact,
                $crate::commands::sessions::sessions_export::<$r>,
                $crate::commands::approvals::approvals_pending,
                $crate::commands::approvals::approvals_history,
                $crate::commands::approvals::approvals_resolve,
                $crate::commands::approvals::approvals_check,
                $crate::commands::approvals::approvals_policy,
                $crate::commands::approvals::approvals_policy_save,
                $crate::commands::onboarding::onboarding_info::<$r>,
                $crate::commands::onboarding::onboarding_save::<$r>,
                $crate::commands::onboarding::onboarding_check_provider,
                $crate::commands::onboarding::onboarding_import,
                $crate::commands::onboarding::onboarding_write_config,
                $crate::commands::onboarding::onboarding_start_gateway::<$r>,
                $crate::commands::onboarding::onboarding_finish::<$r>,
                $crate::commands::onboarding::pick_folder::<$r>,
                $crate::commands::remote::remote_check,
                $crate::commands::remote::remote_connect::<$r>,
                $crate::commands::remote::remote_forget::<$r>,
                $crate::commands::app::app_info::<$r>,
                $crate::commands::app::app_quit::<$r>,
                $crate::commands::app::app_self_test_passed::<$r>,
                $crate::commands::app::app_hide::<$r>,
                $crate::commands::usage::usage_recent,
                $crate::commands::app::app_open_link::<$r>,
                $crate::commands::app::app_reveal_data_folder::<$r>,
                $crate::commands::app::app_autostart_get::<$r>,
                $crate::commands::app::app_autostart_set::<$r>,
                $crate::commands::hosts::hosts_list,
                $crate::commands::hosts::hosts_check,
                $crate::commands::hosts::hosts_from_ssh_config,
                $crate::commands::hosts::hosts_add,
                $crate::commands::hosts::hosts_add_with_password,
                $crate::commands::hosts::hosts_probe,
                $crate::commands::hosts::hosts_remove::<$r>,
                $crate::commands::remote::hosts_use::<$r>,
                $crate::commands::hosts::hosts_install,
                $crate::commands::hosts::hosts_gateway,
                $crate::commands::hosts::jobs_list,
                $crate::commands::hosts::jobs_cancel,
            ])
            .events(::tauri_specta::collect_events![
                $crate::events::GatewayStatusChanged,
                $crate::events::LogBatch,
                $crate::events::LogsSource,
                $crate::events::GatewayMetrics,
                $crate::events::GatewayConfigChanged,
                $crate::events::ChatStream,
                $crate::events::ApprovalsPending,
                $crate::events::ApprovalFocus,
                $crate::events::JobChanged
            ])
            .dangerously_cast_bigints_to_number()
    };
}

/// The command and event registry, shared by the app and the bindings test.
pub fn specta_builder() -> Builder<tauri::Wry> {
    specta_builder_for!(tauri::Wry)
}

/// Where the generated TypeScript bindings live.
pub const BINDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");

/// The bundled sidecar: next to the app's executable (`TIDEPOOL_SIDECAR` overrides).
fn sidecar_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TIDEPOOL_SIDECAR") {
        return PathBuf::from(p);
    }
    let name = if cfg!(windows) {
        "tidepool.exe"
    } else {
        "tidepool"
    };
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The plugins the commands use (all but single-instance, which only the real app has): the
/// app and the command tests build on the same list.
pub fn plugins<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        // Size, place and maximized state come back at the next launch (not visibility: a
        // window closed to the tray still opens).
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION
                        | tauri_plugin_window_state::StateFlags::MAXIMIZED,
                )
                .build(),
        )
}

/// Runs the app.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TIDEPOOL_DESKTOP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let builder = specta_builder();
    // `--self-test`: launch, wait until the dashboard shows the gateway running, quit (exit 0),
    // or fail with the reason after a time limit (exit 1). `scripts/run` uses it as its smoke test.
    let self_test = std::env::args().skip(1).any(|a| a == "--self-test");
    let launched = std::time::Instant::now();
    let app = plugins(
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tray::show_main(app);
        })),
    )
    .invoke_handler(builder.invoke_handler())
    .setup(move |app| {
        builder.mount_events(app);
        setup(app.handle())?;
        if self_test {
            app.manage(commands::app::SelfTest { started: launched });
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                // Fails at once when the supervisor gives up, else after the time limit.
                let mut rx = handle.state::<AppState>().supervisor.watch();
                let gave_up = async {
                    loop {
                        if let tidepool_control::GatewayState::Crashed { reason, .. } =
                            &rx.borrow_and_update().state
                        {
                            return reason.clone();
                        }
                        if rx.changed().await.is_err() {
                            return "the supervisor stopped".to_owned();
                        }
                    }
                };
                let why = tokio::select! {
                    reason = gave_up => format!("the gateway did not start: {reason}"),
                    _ = tokio::time::sleep(commands::app::SELF_TEST_LIMIT) => format!(
                        "the dashboard did not show the gateway running within {} s",
                        commands::app::SELF_TEST_LIMIT.as_secs()
                    ),
                };
                eprintln!("self-test failed: {why}");
                handle.exit(1);
            });
        }
        Ok(())
    })
    .on_window_event(|window, event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            let app = window.app_handle();
            let to_tray = app.state::<AppState>().settings().close_to_tray;
            if to_tray {
                let _ = window.hide();
                api.prevent_close();
            } else {
                app.exit(0);
            }
        }
    })
    .build(tauri::generate_context!());
    let app = match app {
        Ok(a) => a,
        Err(e) => {
            eprintln!("Tidepool could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            // Never leave a gateway behind: stop it before the process ends.
            let state = app.state::<AppState>();
            tauri::async_runtime::block_on(async {
                let _ =
                    tokio::time::timeout(Duration::from_secs(8), state.supervisor.shutdown()).await;
            });
        }
    });
}

fn setup(app: &tauri::AppHandle) -> Result<(), Box<dyn std::error::Error>> {
    let settings = settings::load(app);
    let state_dir = tidepool_platform::state_dir();
    let paths = AppPaths {
        log_dir: state_dir.join("logs"),
        sidecar: sidecar_path(),
        state_dir,
    };
    tidepool_control::fsutil::create_private_dir(&paths.state_dir)?;
    tidepool_control::fsutil::create_private_dir(&paths.log_dir)?;
    let (token, token_home, token_problem) = match keychain::gateway_token(&paths.state_dir) {
        Ok(t) => (Some(t), TokenHome::Keychain, None),
        Err(why) => {
            tracing::warn!(%why, "using the gateway's own token file");
            (None, TokenHome::StateFile, Some(why.to_string()))
        }
    };
    let mut cfg = SidecarConfig::new(paths.sidecar.clone(), paths.state_dir.clone());
    cfg.port = settings.port;
    cfg.token = token;
    let hosts = commands::hosts::open(app)?;
    cfg.via = commands::remote::host_at_start(app, &hosts);
    if cfg.via.is_none() {
        cfg.remote = commands::remote::at_start(app);
    }
    // The supervisor spawns its task on Tauri's Tokio runtime; setup runs outside it.
    let rt = tauri::async_runtime::handle();
    let supervisor = {
        let _enter = rt.inner().enter();
        Supervisor::new(cfg)
    };
    let status_rx = supervisor.watch();
    let status_rx_logs = supervisor.watch();
    let (log_tx, log_rx) = tokio::sync::mpsc::unbounded_channel();
    // The gateway elsewhere keeps its own log: this computer's is followed only when used.
    let local = {
        let s = status_rx.borrow();
        s.host.is_none() && s.remote.is_none()
    };
    let follower =
        local.then(|| LogFollower::start_into(paths.log_dir.clone(), 2_000, log_tx.clone()));
    app.manage(AppState {
        supervisor,
        logs: Mutex::new(LogBuffer::new(LOG_HISTORY)),
        metrics: Mutex::new(Default::default()),
        settings: Mutex::new(settings.clone()),
        paths,
        token_home,
        token_problem,
        follower: Mutex::new(follower),
        hosts,
        jobs: tidepool_control::jobs::Jobs::new(),
    });
    commands::hosts::forward_jobs(app.clone());
    commands::hosts::close_idle_masters(app.clone());
    app.manage(approvals::ApprovalWatch::default());
    let tray = match tray::build(app) {
        Ok(t) => Some(std::sync::Arc::new(t)),
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon");
            None
        }
    };
    app.manage(approvals::TrayHandle(tray.clone()));
    commands::gateway::forward_events(app.clone(), status_rx.clone());
    commands::gateway::forward_status(app.clone(), status_rx, tray);
    commands::logs::forward(app.clone(), log_rx);
    commands::logs::follow_source(app.clone(), status_rx_logs, log_tx);
    commands::gateway::sample_metrics(app.clone());
    if settings.start_on_launch {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = app.state::<AppState>().supervisor.start().await {
                tracing::warn!(error = %e, "the gateway did not start");
            }
        });
    }
    Ok(())
}

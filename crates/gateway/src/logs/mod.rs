//! Logging: JSON lines to `<state>/logs/tidepool-YYYY-MM-DD.jsonl` (UTC date, daily rotation,
//! retention in days, 0600 files) with fields `time, level, target, message` plus the fields of
//! the enclosing spans (`conn_id`, `session_id`, ...), and readable lines on stderr.

pub mod methods;
pub mod tail;

use serde_json::{Map, Value};
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Prefix of log file names.
pub const LOG_PREFIX: &str = "tidepool-";
/// Suffix of log file names.
pub const LOG_SUFFIX: &str = ".jsonl";
/// Environment variable with a `tracing` filter that overrides the configured level.
pub const LOG_ENV: &str = "TIDEPOOL_LOG";

const SECS_PER_DAY: u64 = 86_400;

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}
use std::time::Duration;

/// The UTC date `YYYY-MM-DD` of a day number since the epoch.
fn date_of_day(day: u64) -> String {
    let secs = i64::try_from(day.saturating_mul(SECS_PER_DAY)).unwrap_or(0);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        Err(_) => "1970-01-01".into(),
    }
}

/// The log file the gateway writes today.
pub fn current_log_file(dir: &Path) -> PathBuf {
    let day = unix_now().as_secs() / SECS_PER_DAY;
    dir.join(format!("{LOG_PREFIX}{}{LOG_SUFFIX}", date_of_day(day)))
}

/// A writer that appends to the day's file, rotating at UTC midnight and deleting files older
/// than the retention.
pub struct DailyFile {
    dir: PathBuf,
    retention_days: u32,
    max_bytes: u64,
    written: u64,
    day: u64,
    file: Option<File>,
}

/// Default size at which a day's file is rolled over to `tidepool-DATE.N.jsonl`.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

impl DailyFile {
    /// Opens today's file in `dir` (created 0700) and prunes old files. A file that reaches
    /// `max_bytes` is renamed `tidepool-DATE.N.jsonl` and a fresh one started.
    pub fn open(dir: &Path, retention_days: u32, max_bytes: u64) -> io::Result<DailyFile> {
        crate::fsutil::create_private_dir(dir)?;
        let mut w = DailyFile {
            dir: dir.to_path_buf(),
            retention_days: retention_days.max(1),
            max_bytes: max_bytes.max(1024),
            written: 0,
            day: 0,
            file: None,
        };
        w.rotate_if_needed()?;
        Ok(w)
    }

    fn rotate_if_needed(&mut self) -> io::Result<()> {
        let today = unix_now().as_secs() / SECS_PER_DAY;
        if self.file.is_some() && today == self.day {
            return Ok(());
        }
        let path = self
            .dir
            .join(format!("{LOG_PREFIX}{}{LOG_SUFFIX}", date_of_day(today)));
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(path)?;
        self.written = file.metadata().map(|m| m.len()).unwrap_or(0);
        self.file = Some(file);
        self.day = today;
        self.prune(today);
        Ok(())
    }

    /// Deletes `tidepool-DATE.jsonl` files whose date is older than the retention.
    fn prune(&self, today: u64) {
        let oldest_kept = date_of_day(today.saturating_sub(u64::from(self.retention_days) - 1));
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            // `tidepool-DATE.jsonl` or a rolled `tidepool-DATE.N.jsonl`.
            let Some(date) = name
                .strip_prefix(LOG_PREFIX)
                .filter(|n| n.ends_with(LOG_SUFFIX))
                .and_then(|n| n.get(..10))
            else {
                continue;
            };
            // ISO dates compare correctly as strings.
            if date.len() == 10 && date < oldest_kept.as_str() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

impl DailyFile {
    /// Renames today's full file to the first free `tidepool-DATE.N.jsonl` and starts anew.
    fn roll(&mut self) -> io::Result<()> {
        let date = date_of_day(self.day);
        let main = self.dir.join(format!("{LOG_PREFIX}{date}{LOG_SUFFIX}"));
        let mut n = 1;
        let target = loop {
            let t = self.dir.join(format!("{LOG_PREFIX}{date}.{n}{LOG_SUFFIX}"));
            if !t.exists() {
                break t;
            }
            n += 1;
        };
        self.file = None;
        std::fs::rename(&main, &target)?;
        self.rotate_if_needed()
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.rotate_if_needed()?;
        if self.written > 0 && self.written + buf.len() as u64 > self.max_bytes {
            self.roll()?;
        }
        self.written += buf.len() as u64;
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Span fields kept for the JSON layer.
struct SpanFields(Map<String, Value>);

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().into(), Value::String(value.into()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::String(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

/// The JSON-lines layer.
pub struct JsonLayer<W> {
    make_writer: W,
}

impl<W> JsonLayer<W> {
    /// A layer writing one JSON object per event to `make_writer`.
    pub fn new(make_writer: W) -> Self {
        JsonLayer { make_writer }
    }
}

fn rfc3339_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl<S, W> Layer<S> for JsonLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + 'static,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(SpanFields(fields)) = ext.get_mut::<SpanFields>() {
                values.record(&mut JsonVisitor(fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut obj = Map::new();
        obj.insert("time".into(), Value::String(rfc3339_now()));
        obj.insert(
            "level".into(),
            Value::String(meta.level().as_str().to_ascii_lowercase()),
        );
        obj.insert("target".into(), Value::String(meta.target().into()));
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    for (k, v) in fields {
                        obj.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let mut fields = Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        obj.insert(
            "message".into(),
            fields
                .remove("message")
                .unwrap_or(Value::String(String::new())),
        );
        obj.extend(fields);
        if let Ok(mut line) = serde_json::to_vec(&Value::Object(obj)) {
            line.push(b'\n');
            let _ = self.make_writer.make_writer().write_all(&line);
        }
    }
}

/// Keeps the background log writer alive; dropping it flushes the file.
pub struct LogGuard {
    _guard: Option<WorkerGuard>,
    /// Changes the levels while running (`None` when `TIDEPOOL_LOG` fixes them).
    pub levels: Option<LevelControl>,
}

/// A per-layer filter that can be replaced while running. It reports no level hint and
/// "sometimes" interest, so every callsite keeps asking it and a lowered level takes effect at
/// once, without relying on cached callsite interest or a cached global max level.
#[derive(Clone)]
struct DynFilter(std::sync::Arc<std::sync::RwLock<EnvFilter>>);

impl DynFilter {
    fn new(f: EnvFilter) -> Self {
        DynFilter(std::sync::Arc::new(std::sync::RwLock::new(f)))
    }

    fn replace(&self, f: EnvFilter) {
        if let Ok(mut cur) = self.0.write() {
            *cur = f;
        }
        tracing::callsite::rebuild_interest_cache();
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::layer::Filter<S> for DynFilter {
    fn enabled(&self, meta: &tracing::Metadata<'_>, cx: &Context<'_, S>) -> bool {
        self.0
            .read()
            .map(|f| tracing_subscriber::layer::Filter::<S>::enabled(&*f, meta, cx))
            .unwrap_or(true)
    }

    fn callsite_enabled(
        &self,
        _meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        None
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        if let Ok(f) = self.0.read() {
            tracing_subscriber::layer::Filter::<S>::on_new_span(&*f, attrs, id, ctx);
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Ok(f) = self.0.read() {
            tracing_subscriber::layer::Filter::<S>::on_record(&*f, id, values, ctx);
        }
    }

    fn on_enter(&self, id: &tracing::span::Id, ctx: Context<'_, S>) {
        if let Ok(f) = self.0.read() {
            tracing_subscriber::layer::Filter::<S>::on_enter(&*f, id, ctx);
        }
    }

    fn on_exit(&self, id: &tracing::span::Id, ctx: Context<'_, S>) {
        if let Ok(f) = self.0.read() {
            tracing_subscriber::layer::Filter::<S>::on_exit(&*f, id, ctx);
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: Context<'_, S>) {
        if let Ok(f) = self.0.read() {
            tracing_subscriber::layer::Filter::<S>::on_close(&*f, id, ctx);
        }
    }
}

/// Sets the file and console levels of the running process (hot config reload).
#[derive(Clone)]
pub struct LevelControl(std::sync::Arc<SetLevels>);

/// `(file level, console level)` → applied, or why not.
type SetLevels = dyn Fn(&str, &str) -> Result<(), String> + Send + Sync;

impl std::fmt::Debug for LevelControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LevelControl")
    }
}

/// A log level or filter that does not parse, with the parser's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LevelError(String);

impl LevelControl {
    /// Applies new levels (or filters like `info,tidepool_gateway=debug`).
    pub fn set(&self, file: &str, console: &str) -> Result<(), LevelError> {
        (self.0)(file, console).map_err(LevelError)
    }
}

/// Logging set-up.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// Directory of the JSONL files; `None` logs to stderr only.
    pub dir: Option<PathBuf>,
    /// Level or filter for the file (e.g. `info`, `debug,tokio=warn`).
    pub level: String,
    /// Level or filter for stderr.
    pub console_level: String,
    /// Days of files kept.
    pub retention_days: u32,
    /// Size at which a day's file is rolled over.
    pub max_file_bytes: u64,
    /// Masks secret values in every line (console and file).
    pub redactor: crate::redact::Redactor,
}

/// Installs the global subscriber (the only global: tracing's dispatcher is process-wide by
/// design). `TIDEPOOL_LOG` overrides both levels.
pub fn init(opts: &LogOptions) -> io::Result<LogGuard> {
    let env = std::env::var(LOG_ENV).ok().filter(|s| !s.is_empty());
    let filter = |level: &str| {
        EnvFilter::try_new(env.as_deref().unwrap_or(level))
            .unwrap_or_else(|_| EnvFilter::new("info"))
    };
    let console_filter = DynFilter::new(filter(&opts.console_level));
    let file_filter = DynFilter::new(filter(&opts.level));
    let (console_handle, file_handle) = (console_filter.clone(), file_filter.clone());
    let console_redactor = opts.redactor.clone();
    let console = tracing_subscriber::fmt::layer()
        .with_writer(move || {
            crate::redact::RedactingWriter::new(io::stderr(), console_redactor.clone())
        })
        .with_ansi(io::stderr().is_terminal())
        .with_target(false)
        .compact()
        .with_filter(console_filter);
    let levels = env.is_none().then(|| {
        LevelControl(std::sync::Arc::new(move |file: &str, console: &str| {
            let f =
                EnvFilter::try_new(file).map_err(|e| format!("logging.level \"{file}\": {e}"))?;
            let c = EnvFilter::try_new(console)
                .map_err(|e| format!("logging.consoleLevel \"{console}\": {e}"))?;
            file_handle.replace(f);
            console_handle.replace(c);
            Ok(())
        }))
    });
    let (file_layer, guard) = match &opts.dir {
        Some(dir) => {
            let (nb, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .lossy(true)
                .buffered_lines_limit(64 * 1024)
                .finish(DailyFile::open(
                    dir,
                    opts.retention_days,
                    opts.max_file_bytes,
                )?);
            let redactor = opts.redactor.clone();
            let writer = move || crate::redact::RedactingWriter::new(nb.clone(), redactor.clone());
            (
                Some(JsonLayer::new(writer).with_filter(file_filter)),
                Some(guard),
            )
        }
        None => (None, None),
    };
    // A second init in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(file_layer)
        .try_init();
    Ok(LogGuard {
        _guard: guard,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(20_413), "2025-11-21");
    }

    #[test]
    fn a_full_file_rolls_over_and_old_rolled_files_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let today = unix_now().as_secs() / SECS_PER_DAY;
        let old = date_of_day(today - 30);
        std::fs::write(
            dir.path().join(format!("{LOG_PREFIX}{old}.1{LOG_SUFFIX}")),
            b"{}\n",
        )
        .unwrap();
        let mut w = DailyFile::open(dir.path(), 3, 1024).unwrap();
        let line = format!("{{\"message\":\"{}\"}}\n", "x".repeat(300));
        for _ in 0..10 {
            w.write_all(line.as_bytes()).unwrap();
        }
        let date = date_of_day(today);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(
            !names.iter().any(|n| n.contains(&old)),
            "old rolled file pruned: {names:?}"
        );
        assert!(
            names.contains(&format!("{LOG_PREFIX}{date}.1{LOG_SUFFIX}")),
            "{names:?}"
        );
        assert!(
            names.contains(&format!("{LOG_PREFIX}{date}.3{LOG_SUFFIX}")),
            "{names:?}"
        );
        for n in &names {
            let len = std::fs::metadata(dir.path().join(n)).unwrap().len();
            assert!(len <= 1024, "{n} is {len} bytes");
        }
        // Every line is whole in exactly one file.
        let total: usize = names
            .iter()
            .map(|n| {
                std::fs::read_to_string(dir.path().join(n))
                    .unwrap()
                    .lines()
                    .count()
            })
            .sum();
        assert_eq!(total, 10);
    }

    #[test]
    fn prune_keeps_retention_days_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let today = unix_now().as_secs() / SECS_PER_DAY;
        for back in 0..10u64 {
            let name = format!("{LOG_PREFIX}{}{LOG_SUFFIX}", date_of_day(today - back));
            std::fs::write(dir.path().join(name), b"{}\n").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        let _w = DailyFile::open(dir.path(), 3, DEFAULT_MAX_FILE_BYTES).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), 4, "{left:?}");
        assert!(left.contains(&"notes.txt".to_string()));
        assert!(left.contains(&format!(
            "{LOG_PREFIX}{}{LOG_SUFFIX}",
            date_of_day(today - 2)
        )));
    }
}

#[cfg(test)]
mod reload_tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn a_lowered_level_applies_at_once() {
        let cap = Capture::default();
        let filter = DynFilter::new(EnvFilter::new("info"));
        let sub = tracing_subscriber::registry()
            .with(JsonLayer::new(cap.clone()).with_filter(filter.clone()));
        tracing::subscriber::with_default(sub, || {
            tracing::debug!("hidden");
            filter.replace(EnvFilter::new("debug"));
            tracing::debug!("shown");
        });
        let out = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("hidden"), "{out}");
        assert!(out.contains("shown"), "{out}");
    }
}

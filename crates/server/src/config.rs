//! Layered configuration: defaults → optional `tandem.toml` → `TANDEM_*` environment.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file layer; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    jwt_secret: Option<String>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    log: Option<String>,
    web_dir: Option<PathBuf>,
    smtp_url: Option<String>,
    max_upload_mb: Option<u64>,
    storage_url: Option<String>,
    read_cache: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    proxy_header: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    mail_batch_secs: Option<u64>,
    event_retention: Option<String>,
    notification_retention: Option<String>,
    due_soon_hours: Option<u64>,
    scan_interval_secs: Option<u64>,
    job_lease_secs: Option<u64>,
    workers: Option<bool>,
}

/// The resolved configuration.
#[derive(Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    /// Explicit database URL; `None` means the SQLite file in the data dir.
    pub database_url: Option<String>,
    pub jwt_secret: Option<String>,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub log: String,
    pub web_dir: PathBuf,
    /// Largest upload in MiB (T5, F1), default 2048: library files are videos and design
    /// files too, and uploads past 50 MiB resume where they broke off (tus).
    pub max_upload_mb: u64,
    /// Where file contents are stored (`TANDEM_STORAGE_URL`): `s3://bucket/prefix` or a
    /// directory; default `<data dir>/files`.
    pub storage_url: Option<String>,
    /// The in-process read cache (SQLite only), default on.
    pub read_cache: bool,
    /// Reverse proxies (CIDRs) whose `X-Forwarded-For` / `Forwarded` name the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Which of the two headers they set.
    pub proxy_header: tandem_api::extract::ProxyHeader,
    /// Jobs, mail (`TANDEM_SMTP_URL`) and event retention.
    pub live: tandem_api::config::LiveConfig,
}

impl std::fmt::Debug for Config {
    // Secrets never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_url.as_deref().map(redact_url))
            .field("admin_email", &self.admin_email)
            .field("web_dir", &self.web_dir)
            .field("smtp", &self.live.smtp_url.as_deref().map(redact_url))
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

/// Hides the password in a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `tandem.toml` in the working
    /// directory is used when present.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let path = file
            .map(Path::to_path_buf)
            .or_else(|| env("TANDEM_CONFIG").map(PathBuf::from))
            .or_else(|| Some(PathBuf::from("tandem.toml")).filter(|p| p.is_file()));
        let fc: FileConfig = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: p.display().to_string(),
                    source,
                })?
            }
            None => FileConfig::default(),
        };
        let pick = |var: &str, file: Option<String>| env(var).filter(|v| !v.is_empty()).or(file);
        let bind = pick("TANDEM_BIND", fc.bind.clone()).unwrap_or_else(|| "127.0.0.1:8080".into());
        let defaults = tandem_api::config::LiveConfig::default();
        let secs = |var: &str,
                    file: Option<u64>,
                    default: std::time::Duration,
                    range: std::ops::RangeInclusive<u64>| {
            match pick(var, file.map(|n| n.to_string())) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .map(std::time::Duration::from_secs)
                    .ok_or_else(|| {
                        ConfigError::Invalid(format!(
                            "{var} must be a whole number from {} to {} (got {v:?})",
                            range.start(),
                            range.end()
                        ))
                    }),
            }
        };
        let span =
            |var: &str, file: Option<String>, default: std::time::Duration| match pick(var, file) {
                None => Ok(default),
                Some(v) => parse_span(&v).ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "{var} must be a length of time such as 7d, 12h, 30m or 90s (got {v:?})"
                    ))
                }),
            };
        let live = tandem_api::config::LiveConfig {
            socket_queue: defaults.socket_queue,
            doc_poll: defaults.doc_poll,
            smtp_url: pick("TANDEM_SMTP_URL", fc.smtp_url.clone()),
            mail_from: pick("TANDEM_MAIL_FROM", fc.mail_from).unwrap_or(defaults.mail_from),
            public_url: pick("TANDEM_PUBLIC_URL", fc.public_url)
                .unwrap_or_else(|| format!("http://{bind}")),
            mail_batch: secs(
                "TANDEM_MAIL_BATCH_SECS",
                fc.mail_batch_secs,
                defaults.mail_batch,
                0..=86_400,
            )?,
            event_retention: span(
                "TANDEM_EVENT_RETENTION",
                fc.event_retention,
                defaults.event_retention,
            )?,
            notification_retention: span(
                "TANDEM_NOTIFICATION_RETENTION",
                fc.notification_retention,
                defaults.notification_retention,
            )?,
            due_soon: secs(
                "TANDEM_DUE_SOON_HOURS",
                fc.due_soon_hours,
                std::time::Duration::from_secs(24),
                1..=720,
            )
            .map(|d| d * 3600)?,
            scan_every: secs(
                "TANDEM_SCAN_INTERVAL_SECS",
                fc.scan_interval_secs,
                defaults.scan_every,
                1..=86_400,
            )?,
            job_lease: secs(
                "TANDEM_JOB_LEASE_SECS",
                fc.job_lease_secs,
                defaults.job_lease,
                3..=3600,
            )?,
            workers: match pick(
                "TANDEM_WORKERS",
                fc.workers.map(|b| if b { "on" } else { "off" }.to_owned()),
            )
            .as_deref()
            {
                None | Some("on" | "true" | "1") => true,
                Some("off" | "false" | "0") => false,
                Some(v) => {
                    return Err(ConfigError::Invalid(format!(
                        "TANDEM_WORKERS must be on or off (got {v:?})"
                    )));
                }
            },
        };
        let cfg = Config {
            live,
            bind,
            data_dir: pick(
                "TANDEM_DATA_DIR",
                fc.data_dir.map(|p| p.display().to_string()),
            )
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("./data")),
            database_url: pick("TANDEM_DATABASE_URL", fc.database_url),
            jwt_secret: pick("TANDEM_JWT_SECRET", fc.jwt_secret),
            admin_email: pick("TANDEM_ADMIN_EMAIL", fc.admin_email),
            admin_password: pick("TANDEM_ADMIN_PASSWORD", fc.admin_password),
            log: pick("TANDEM_LOG", fc.log).unwrap_or_else(|| "info".into()),
            web_dir: pick(
                "TANDEM_WEB_DIR",
                fc.web_dir.map(|p| p.display().to_string()),
            )
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("frontend/dist")),
            max_upload_mb: match pick(
                "TANDEM_MAX_UPLOAD_MB",
                fc.max_upload_mb.map(|n| n.to_string()),
            ) {
                None => 2048,
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=10_240).contains(n))
                    .ok_or_else(|| {
                        ConfigError::Invalid(format!(
                            "TANDEM_MAX_UPLOAD_MB must be a number of MiB from 1 to 10240 (got {v:?})"
                        ))
                    })?,
            },
            storage_url: pick("TANDEM_STORAGE_URL", fc.storage_url),
            read_cache: match pick(
                "TANDEM_READ_CACHE",
                fc.read_cache.map(|b| if b { "on" } else { "off" }.to_owned()),
            )
            .as_deref()
            {
                None | Some("on" | "true" | "1") => true,
                Some("off" | "false" | "0") => false,
                Some(v) => {
                    return Err(ConfigError::Invalid(format!(
                        "TANDEM_READ_CACHE must be on or off (got {v:?})"
                    )));
                }
            },
            trusted_proxies: parse_proxies(
                pick(
                    "TANDEM_TRUSTED_PROXIES",
                    fc.trusted_proxies.map(|v| v.join(",")),
                )
                .as_deref()
                .unwrap_or_default(),
            )?,
            proxy_header: match pick("TANDEM_PROXY_HEADER", fc.proxy_header)
                .map(|v| v.to_ascii_lowercase())
                .as_deref()
            {
                None | Some("x-forwarded-for") => tandem_api::extract::ProxyHeader::XForwardedFor,
                Some("forwarded") => tandem_api::extract::ProxyHeader::Forwarded,
                Some(v) => {
                    return Err(ConfigError::Invalid(format!(
                        "TANDEM_PROXY_HEADER must be x-forwarded-for or forwarded (got {v:?})"
                    )));
                }
            },
        };
        if cfg.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "TANDEM_BIND must be host:port, e.g. 127.0.0.1:8080 (got {:?})",
                cfg.bind
            )));
        }
        if let Some(url) = &cfg.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid(
                "TANDEM_DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        if let Some(s) = &cfg.jwt_secret
            && s.len() < 32
        {
            return Err(ConfigError::Invalid(
                "TANDEM_JWT_SECRET must be at least 32 characters".into(),
            ));
        }
        if cfg.admin_email.is_some() != cfg.admin_password.is_some() {
            return Err(ConfigError::Invalid(
                "set both TANDEM_ADMIN_EMAIL and TANDEM_ADMIN_PASSWORD, or neither".into(),
            ));
        }
        Ok(cfg)
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("tandem.db").display()
            )
        })
    }
}

/// A length of time: a whole number with `d`, `h`, `m` or `s` (`7d`), at least a minute.
fn parse_span(v: &str) -> Option<std::time::Duration> {
    let v = v.trim();
    let (n, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    let secs = n.checked_mul(match unit.trim() {
        "d" => 86_400,
        "h" => 3600,
        "m" => 60,
        "s" => 1,
        _ => return None,
    })?;
    (60..=10 * 365 * 86_400)
        .contains(&secs)
        .then(|| std::time::Duration::from_secs(secs))
}

/// `TANDEM_TRUSTED_PROXIES`: comma- or space-separated CIDRs or single addresses, e.g.
/// `10.0.0.0/8, 127.0.0.1`.
fn parse_proxies(v: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    v.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::Invalid(format!(
                        "TANDEM_TRUSTED_PROXIES must list addresses or CIDRs such as 10.0.0.0/8 (got {s:?})"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_need_no_configuration() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.database_url().starts_with("sqlite://./data/tandem.db"));
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("tandem-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("t.toml");
        std::fs::write(&f, "bind = \"127.0.0.1:9000\"\nlog = \"debug\"\n").unwrap();
        let c = Config::load(Some(&f), env(&[("TANDEM_BIND", "0.0.0.0:7000")]));
        std::fs::remove_dir_all(&dir).unwrap();
        let c = c.unwrap();
        assert_eq!(c.bind, "0.0.0.0:7000");
        assert_eq!(c.log, "debug");
    }

    #[test]
    fn bad_values_are_refused_with_a_clear_message() {
        let e = Config::load(None, env(&[("TANDEM_BIND", "nope")]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("TANDEM_BIND"));
        let e = Config::load(None, env(&[("TANDEM_ADMIN_EMAIL", "a@b.c")]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("TANDEM_ADMIN_PASSWORD"));
    }

    #[test]
    fn trusted_proxies_are_cidrs_or_addresses() {
        let c = Config::load(
            None,
            env(&[("TANDEM_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1 ::1")]),
        )
        .unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(
            Config::load(None, env(&[]))
                .unwrap()
                .trusted_proxies
                .is_empty()
        );
        let e = Config::load(None, env(&[("TANDEM_TRUSTED_PROXIES", "proxy.local")]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("TANDEM_TRUSTED_PROXIES"));
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://***@h:5432/db"
        );
    }
}

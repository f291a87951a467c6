//! The `connect` handshake: checks the client's params, protocol range, role and credential,
//! grants scopes, and builds `hello-ok` with the snapshot.

use super::*;

impl Conn {
    pub(super) fn connect(&self, params: Value) -> Result<(Value, Session), (ErrorShape, u16)> {
        let params: ConnectParams =
            parse_params(names::CONNECT, params).map_err(|e| (e, close_codes::PROTOCOL_ERROR))?;
        if params.max_protocol < MIN_PROTOCOL_VERSION || params.min_protocol > PROTOCOL_VERSION {
            return Err((
                ErrorShape::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "protocol mismatch: client speaks {}..{}, gateway speaks {MIN_PROTOCOL_VERSION}..{PROTOCOL_VERSION}",
                        params.min_protocol, params.max_protocol
                    ),
                )
                .with_detail_code(detail_codes::PROTOCOL_MISMATCH),
                close_codes::PROTOCOL_ERROR,
            ));
        }
        let protocol = params.max_protocol.min(PROTOCOL_VERSION);
        let role = params.role.as_deref().unwrap_or("operator");
        if Role::parse(role) != Some(Role::Operator) {
            return Err((
                ErrorShape::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "role \"{role}\" is not supported by this gateway; connect as \"operator\""
                    ),
                )
                .with_detail_code(detail_codes::ROLE_UNSUPPORTED),
                close_codes::POLICY_VIOLATION,
            ));
        }
        let auth_params = params.auth.clone().unwrap_or_default();
        let now = std::time::Instant::now();
        if let Some(wait) = self.shared.server.auth_limiter.blocked(self.peer.ip(), now) {
            let ms = u64::try_from(wait.as_millis()).unwrap_or(60_000).max(1);
            warn!(peer = %self.peer, "authentication refused: too many failures from this address");
            return Err((
                ErrorShape::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "too many failed sign-ins from this address; try again in {} s",
                        ms.div_ceil(1000)
                    ),
                )
                .with_detail_code(detail_codes::AUTH_RATE_LIMITED)
                .retry_after(Some(ms)),
                close_codes::POLICY_VIOLATION,
            ));
        }
        if let Err(failure) = auth::verify(
            &self.shared.server.credential,
            auth_params.token.as_deref(),
            auth_params.password.as_deref(),
        ) {
            warn!(peer = %self.peer, reason = failure.detail_code(), "authentication failed");
            self.shared.server.auth_limiter.failed(self.peer.ip(), now);
            return Err((
                ErrorShape::new(ErrorCode::InvalidRequest, failure.message())
                    .with_detail_code(failure.detail_code()),
                close_codes::POLICY_VIOLATION,
            ));
        }
        let scopes: Vec<Scope> = match &params.scopes {
            Some(list) => {
                let mut s: Vec<Scope> = list.iter().filter_map(|s| Scope::parse(s)).collect();
                s.sort();
                s.dedup();
                s
            }
            None => vec![Scope::Read, Scope::Write],
        };
        let scope_names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
        let now = sysinfo::now_ms();
        self.shared.presence.upsert(
            &self.conn_id,
            PresenceEntry {
                host: params.client.display_name.clone(),
                ip: Some(self.peer.ip().to_string()),
                version: Some(params.client.version.clone()),
                platform: Some(params.client.platform.clone()),
                mode: Some(params.client.mode.clone()),
                reason: Some("connect".into()),
                text: Some(params.client.id.clone()),
                ts: now,
                online_since: Some(now),
                instance_id: params.client.instance_id.clone(),
                roles: Some(vec![role.to_owned()]),
                scopes: Some(scope_names.clone()),
            },
        );
        let events = self.shared.subscribe();
        info!(
            peer = %self.peer,
            client = %params.client.id,
            client_version = %params.client.version,
            protocol,
            "client connected"
        );
        let gw = &self.shared.config.at_start.gateway;
        let hello = HelloOk {
            kind: "hello-ok".into(),
            protocol,
            server: ServerInfo {
                version: self.shared.server.version.clone(),
                conn_id: self.conn_id.clone(),
                boot_id: Some(self.shared.server.boot_id.clone()),
            },
            features: Features {
                methods: self.shared.server.registry.names(),
                events: EVENTS.iter().map(|e| (*e).to_owned()).collect(),
            },
            snapshot: Snapshot {
                presence: self.shared.presence_list(),
                health: status::health(&self.shared),
                state_version: self.shared.state_version(),
                uptime_ms: self.shared.uptime_ms(),
                config_path: Some(self.shared.paths.config().display().to_string()),
                state_dir: Some(self.shared.paths.root().display().to_string()),
                auth_mode: Some(self.shared.server.auth_mode.as_str().into()),
            },
            auth: HelloAuth {
                role: role.to_owned(),
                scopes: scope_names,
            },
            policy: Policy {
                max_payload: gw.max_payload as u64,
                max_buffered_bytes: gw.max_buffered_bytes as u64,
                tick_interval_ms: gw.tick_interval_ms,
            },
        };
        let hello = serde_json::to_value(hello).map_err(|e| {
            (
                ErrorShape::new(
                    ErrorCode::Unavailable,
                    format!("could not encode hello-ok: {e}"),
                ),
                close_codes::TRY_AGAIN_LATER,
            )
        })?;
        Ok((hello, Session { scopes, events }))
    }
}

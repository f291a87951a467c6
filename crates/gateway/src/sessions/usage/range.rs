//! The dates a usage request covers: `startDate`/`endDate`/`days`, the time zone (`timeZone`,
//! `utcOffset`, `mode`), and the day each entry falls on, as OpenClaw resolves them.

use super::*;

/// Longest `days` accepted (OpenClaw's cap, 100 years).
pub(super) const MAX_DAYS: i64 = 36_600;
/// Ranges up to this many days get a row for every day; longer ones only days with usage.
pub(super) const MAX_ZERO_FILL_DAYS: i64 = 366;

/// The date fields a usage request may carry.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeRequest<'a> {
    /// `YYYY-MM-DD`.
    pub start_date: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub end_date: Option<&'a str>,
    /// The last N days.
    pub days: Option<&'a Value>,
    /// `7d`, `30d`, `90d`, `1y`, `all`.
    pub range: Option<&'a str>,
    /// `utc`, `gateway`, `specific`.
    pub mode: Option<&'a str>,
    /// `UTC+H[:MM]`.
    pub utc_offset: Option<&'a str>,
    /// IANA name.
    pub time_zone: Option<&'a str>,
}

/// A resolved range: `[start_ms, end_ms]` and the zone days are counted in.
#[derive(Debug, Clone)]
pub struct Range {
    /// First millisecond.
    pub start_ms: i64,
    /// Last millisecond.
    pub end_ms: i64,
    /// Zone of the day keys.
    pub tz: TimeZone,
}

impl Range {
    /// The `YYYY-MM-DD` day of `ms` in the range's zone.
    pub fn day_of(&self, ms: i64) -> String {
        day_key(ms, &self.tz)
    }

    /// Calendar days from the first to the last.
    pub fn days(&self) -> u64 {
        let (a, b) = (self.date_of(self.start_ms), self.date_of(self.end_ms));
        match (a, b) {
            (Some(a), Some(b)) if b >= a => u64::try_from((b - a).get_days() + 1).unwrap_or(1),
            _ => 1,
        }
    }

    /// Every day key of the range, or `None` when it is too long to list.
    pub fn every_day(&self) -> Option<Vec<String>> {
        let (mut d, last) = (self.date_of(self.start_ms)?, self.date_of(self.end_ms)?);
        if self.days() as i64 > MAX_ZERO_FILL_DAYS {
            return None;
        }
        let mut out = vec![];
        while d <= last {
            out.push(d.to_string());
            d = d.tomorrow().ok()?;
        }
        Some(out)
    }

    fn date_of(&self, ms: i64) -> Option<Date> {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|t| t.to_zoned(self.tz.clone()).date())
    }
}

pub(super) fn day_key(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default()
}

/// `UTC+H`, `UTC-HH:MM` → minutes east of UTC (-12:00 to +14:00).
pub(super) fn parse_utc_offset(raw: &str) -> Option<i32> {
    let rest = raw.trim().strip_prefix("UTC")?;
    let (sign, rest) = match rest.as_bytes().first()? {
        b'+' => (1, rest.get(1..)?),
        b'-' => (-1, rest.get(1..)?),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let ok = |s: &str, max_len| {
        !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !ok(h, 2) || !ok(m, 2) || (rest.contains(':') && m.len() != 2) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if m > 59 {
        return None;
    }
    let total = sign * (h * 60 + m);
    (-720..=840).contains(&total).then_some(total)
}

/// The zone the request counts days in.
pub(super) fn zone(r: &RangeRequest<'_>) -> Result<TimeZone, String> {
    match r.mode.map(str::trim) {
        None | Some("" | "utc") => Ok(TimeZone::UTC),
        Some("gateway") => Ok(TimeZone::system()),
        Some("specific") => {
            let offset = r.utc_offset.and_then(parse_utc_offset);
            let fixed = |mins: i32| {
                Offset::from_seconds(mins * 60)
                    .map(TimeZone::fixed)
                    .map_err(|e| e.to_string())
            };
            if let Some(name) = r.time_zone.map(str::trim) {
                return match TimeZone::get(name) {
                    Ok(tz) if !name.is_empty() => Ok(tz),
                    _ => match offset {
                        Some(m) => fixed(m),
                        None => Err(format!(
                            "invalid timeZone \"{name}\": expected an IANA time zone like Europe/Paris (or give utcOffset, e.g. UTC+2)"
                        )),
                    },
                };
            }
            match (offset, r.utc_offset) {
                (Some(m), _) => fixed(m),
                (None, Some(raw)) if !raw.trim().is_empty() => Err(format!(
                    "invalid utcOffset \"{raw}\": expected UTC-12:00 through UTC+14:00, e.g. UTC+2 or UTC-05:30"
                )),
                _ => Ok(TimeZone::UTC),
            }
        }
        Some(other) => Err(format!(
            "mode \"{other}\" is not one of utc, gateway, specific"
        )),
    }
}

pub(super) fn parse_date(field: &str, raw: &str) -> Result<Date, String> {
    let bad =
        || format!("{field} \"{raw}\" is not a calendar date; use YYYY-MM-DD, e.g. 2026-12-02");
    let t = raw.trim();
    let b = t.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(bad());
    }
    let num = |s: Option<&str>| {
        s.filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|s| s.parse::<i16>().ok())
    };
    let (y, m, d) = (num(t.get(0..4)), num(t.get(5..7)), num(t.get(8..10)));
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => Date::new(
            y,
            i8::try_from(m).map_err(|_| bad())?,
            i8::try_from(d).map_err(|_| bad())?,
        )
        .map_err(|_| bad()),
        _ => Err(bad()),
    }
}

pub(super) fn day_start(d: Date, tz: &TimeZone) -> Result<i64, String> {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| format!("day {d} does not exist in that time zone: {e}"))
}

pub(super) fn day_end(d: Date, tz: &TimeZone) -> Result<i64, String> {
    let next = d.tomorrow().map_err(|e| e.to_string())?;
    Ok(day_start(next, tz)? - 1)
}

/// Why a request names no date range (the field and what it must be).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RangeError(String);

/// The range a request asks for: `startDate`..`endDate` (both), else `range`, else the last
/// `days` (default 30) days up to the end of today, in the request's zone.
pub fn resolve_range(r: &RangeRequest<'_>, now: Timestamp) -> Result<Range, RangeError> {
    range_of(r, now).map_err(RangeError)
}

fn range_of(r: &RangeRequest<'_>, now: Timestamp) -> Result<Range, String> {
    let tz = zone(r)?;
    fn given(v: Option<&str>) -> Option<&str> {
        v.filter(|s| !s.trim().is_empty())
    }
    let start = given(r.start_date)
        .map(|s| parse_date("startDate", s))
        .transpose()?;
    let end = given(r.end_date)
        .map(|s| parse_date("endDate", s))
        .transpose()?;
    let today = now.to_zoned(tz.clone()).date();
    let today_end = day_end(today, &tz)?;
    match (start, end) {
        (Some(s), Some(e)) => {
            if s > e {
                return Err(format!(
                    "startDate {s} is after endDate {e}; swap them"
                ));
            }
            Ok(Range {
                start_ms: day_start(s, &tz)?,
                end_ms: day_end(e, &tz)?,
                tz,
            })
        }
        (Some(_), None) | (None, Some(_)) => Err(
            "startDate and endDate must be given together (both YYYY-MM-DD; the same day twice for one day)".into(),
        ),
        (None, None) => {
            let days = match r.range.map(str::trim) {
                Some("all") => {
                    return Ok(Range {
                        start_ms: 0,
                        end_ms: today_end,
                        tz,
                    });
                }
                Some("7d") => 7,
                Some("30d") => 30,
                Some("90d") => 90,
                Some("1y") => 365,
                None | Some("") => match r.days {
                    None | Some(Value::Null) => 30,
                    Some(v) => parse_days(v)?,
                },
                Some(other) => {
                    return Err(format!(
                        "range \"{other}\" is not one of 7d, 30d, 90d, 1y, all"
                    ));
                }
            };
            let first = today
                .checked_add(Span::new().days(-(days - 1)))
                .map_err(|e| e.to_string())?;
            Ok(Range {
                start_ms: day_start(first, &tz)?,
                end_ms: today_end,
                tz,
            })
        }
    }
}

pub(super) fn parse_days(v: &Value) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.trim().is_empty() => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n.filter(|n| n.is_finite()) {
        Some(n) => Ok((n.floor() as i64).clamp(1, MAX_DAYS)),
        None => Err(format!("days must be a number of days, got {v}")),
    }
}

//! Timestamp parts, UTC, from a timestamp field (epoch milliseconds after parsing; see
//! docs/features.md for accepted inputs): `hour` (0–23), `day_of_week` (Monday = 0 … Sunday =
//! 6, as pandas `dayofweek`), `month` (1–12). Missing gives NaN. One output per input.

use super::{BuildCtx, Built, Cell, Inputs, Kind, Transform};
use crate::error::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

#[derive(Clone, Copy, Debug)]
enum Part {
    Hour,
    DayOfWeek,
    Month,
}

#[derive(Debug)]
struct TimestampPart {
    part: Part,
}

const MS_PER_DAY: i64 = 86_400_000;
/// ±8.64e15 ms (±100 million days), the ECMAScript Date range.
pub(crate) const MAX_MS: f64 = 8.64e15;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO-8601 UTC (`YYYY-MM-DDTHH:MM:SSZ`) of epoch milliseconds, e.g. for `createdAt` fields.
pub fn format_iso8601_utc(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn part_of(ms: f64, part: Part) -> f64 {
    if !ms.is_finite() || ms.abs() > MAX_MS {
        return f64::NAN;
    }
    let ms = ms.floor() as i64;
    let days = ms.div_euclid(MS_PER_DAY);
    match part {
        Part::Hour => (ms.rem_euclid(MS_PER_DAY) / 3_600_000) as f64,
        Part::DayOfWeek => (days + 3).rem_euclid(7) as f64,
        Part::Month => civil_from_days(days).1 as f64,
    }
}

fn build(ctx: &BuildCtx<'_>, part: Part) -> Result<Built> {
    let _: Params = ctx.params()?;
    ctx.expect_inputs(1, None)?;
    ctx.expect_numeric()?;
    ctx.expect_outputs(ctx.n_inputs())?;
    Ok(Built {
        output_kinds: vec![Kind::Numeric; ctx.n_inputs()],
        transform: Box::new(TimestampPart { part }),
    })
}

pub(crate) fn build_hour(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Part::Hour)
}
pub(crate) fn build_day_of_week(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Part::DayOfWeek)
}
pub(crate) fn build_month(ctx: &BuildCtx<'_>) -> Result<Built> {
    build(ctx, Part::Month)
}

impl Transform for TimestampPart {
    fn apply(&self, inputs: &Inputs<'_>, out: &mut [Cell]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Cell::Num(part_of(inputs.get(i).num(), self.part));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_parts() {
        for d in [-800_000, -1, 0, 1, 59, 365, 11_016, 19_787, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        // 2024-03-05T13:45:00Z is a Tuesday.
        let ms = (days_from_civil(2024, 3, 5) * MS_PER_DAY + 13 * 3_600_000 + 45 * 60_000) as f64;
        assert_eq!(part_of(ms, Part::Hour), 13.0);
        assert_eq!(part_of(ms, Part::DayOfWeek), 1.0);
        assert_eq!(part_of(ms, Part::Month), 3.0);
        // 1969-12-31T23:00Z: Wednesday, hour 23, December.
        assert_eq!(part_of(-3_600_000.0, Part::Hour), 23.0);
        assert_eq!(part_of(-3_600_000.0, Part::DayOfWeek), 2.0);
        assert_eq!(part_of(-3_600_000.0, Part::Month), 12.0);
        assert!(part_of(f64::NAN, Part::Hour).is_nan());
    }
}

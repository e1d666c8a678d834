//! Record validation: a raw value checked and converted against its field's declared type and
//! constraints (docs/features.md, "Records").

use super::record::RawValue;
use super::spec::{FieldSpec, FieldType};
use super::transforms::timestamp::{days_from_civil, MAX_MS};
use super::transforms::{Category, Cell};

/// A violated rule and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Violation {
    pub rule: &'static str,
    pub reason: String,
}

fn violation(rule: &'static str, reason: impl Into<String>) -> Violation {
    Violation {
        rule,
        reason: reason.into(),
    }
}

/// Whether a raw value means "missing" for a field of this type.
fn is_missing(ty: FieldType, raw: Option<&RawValue>) -> bool {
    match raw {
        None | Some(RawValue::Null) => true,
        Some(RawValue::Number(x)) => x.is_nan(),
        Some(RawValue::String(s)) => s.is_empty(),
        Some(RawValue::Text(t)) => {
            let t = t.trim();
            t.is_empty() || (ty != FieldType::String && t.eq_ignore_ascii_case("nan"))
        }
        Some(RawValue::Bool(_)) | Some(RawValue::Other(_)) => false,
    }
}

fn type_error(field: &FieldSpec, raw: &RawValue) -> Violation {
    let shown = match raw {
        RawValue::String(s) | RawValue::Text(s) => {
            let mut s: String = s.chars().take(40).collect();
            if s.len() >= 40 {
                s.push('…');
            }
            format!("{:?}", s)
        }
        RawValue::Number(x) => format!("{x}"),
        RawValue::Bool(b) => format!("{b}"),
        other => other.kind().to_string(),
    };
    let expected = match field.ty {
        FieldType::Timestamp => "timestamp (ISO-8601 string or epoch milliseconds)",
        ty => ty.as_str(),
    };
    violation(
        "type",
        format!("expected {expected}, got {} {shown}", raw.kind()),
    )
}

fn parse_number(t: &str) -> Option<f64> {
    let t = t.trim();
    // Rust accepts "inf"/"infinity"/"nan"; numpy-style text also; NaN is missing (handled before).
    t.parse::<f64>().ok()
}

/// A number for a number or integer field, before its range: finite, integral for integers.
#[inline]
fn check_number(field: &FieldSpec, x: f64) -> Result<f64, Violation> {
    if x.is_infinite() {
        // scikit-learn refuses infinity at fit and predict (`check_array`); served, it
        // would turn into NaN probabilities behind a confident label.
        return Err(violation(
            "finite",
            format!("expected a finite number, got {x}"),
        ));
    }
    if field.ty == FieldType::Integer && x.fract() != 0.0 {
        return Err(violation("type", format!("expected integer, got {x}")));
    }
    Ok(x)
}

/// The field's `min` / `max`.
#[inline]
fn check_range(field: &FieldSpec, x: f64) -> Result<(), Violation> {
    if let Some(min) = field.min {
        if x < min {
            return Err(violation("min", format!("{x} is below the minimum {min}")));
        }
    }
    if let Some(max) = field.max {
        if x > max {
            return Err(violation("max", format!("{x} is above the maximum {max}")));
        }
    }
    Ok(())
}

/// [`coerce`] of a number for a number or integer field without categories (NaN for missing),
/// without building a [`Cell`]: the columnar executor's loop over a column of numbers. `None`
/// for other fields (the caller then uses [`coerce`]).
#[inline]
pub(crate) fn coerce_number(field: &FieldSpec, x: f64) -> Option<Result<f64, Violation>> {
    if !matches!(field.ty, FieldType::Number | FieldType::Integer) {
        return None;
    }
    if x.is_nan() {
        return Some(if field.required {
            Err(violation("required", "the value is missing"))
        } else {
            Ok(f64::NAN)
        });
    }
    Some(check_number(field, x).and_then(|x| check_range(field, x).map(|()| x)))
}

/// Checks one raw value against its field. `Ok(Cell::Missing)` for a missing, non-required value.
pub(crate) fn coerce(
    field: &FieldSpec,
    categories: &[Category],
    raw: Option<&RawValue>,
) -> Result<Cell, Violation> {
    if is_missing(field.ty, raw) {
        return if field.required {
            Err(violation("required", "the value is missing"))
        } else {
            Ok(Cell::Missing)
        };
    }
    let Some(raw) = raw else {
        return Ok(Cell::Missing);
    };
    let cell = match field.ty {
        FieldType::Number | FieldType::Integer => {
            let x = match raw {
                RawValue::Number(x) => *x,
                RawValue::Text(t) => parse_number(t).ok_or_else(|| type_error(field, raw))?,
                _ => return Err(type_error(field, raw)),
            };
            Cell::Num(check_number(field, x)?)
        }
        FieldType::Boolean => match raw {
            RawValue::Bool(b) => Cell::Num(f64::from(u8::from(*b))),
            RawValue::Number(x) if *x == 0.0 || *x == 1.0 => Cell::Num(*x),
            RawValue::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Cell::Num(1.0),
                "false" | "0" => Cell::Num(0.0),
                _ => return Err(type_error(field, raw)),
            },
            _ => return Err(type_error(field, raw)),
        },
        FieldType::String => match raw {
            RawValue::String(s) | RawValue::Text(s) => Cell::Str(s.as_str().into()),
            _ => return Err(type_error(field, raw)),
        },
        FieldType::Timestamp => {
            let ms = match raw {
                RawValue::Number(x) => Some(*x),
                RawValue::String(s) | RawValue::Text(s) => {
                    parse_number(s).or_else(|| parse_iso8601(s.trim()))
                }
                _ => None,
            };
            match ms {
                Some(ms) if ms.is_finite() && ms.abs() <= MAX_MS => Cell::Num(ms),
                Some(ms) if ms.is_finite() => {
                    return Err(violation(
                        "type",
                        format!("timestamp {ms} ms is out of range"),
                    ))
                }
                _ => return Err(type_error(field, raw)),
            }
        }
    };
    if let Cell::Num(x) = cell {
        check_range(field, x)?;
    }
    if !categories.is_empty() && !categories.iter().any(|c| c.matches(&cell)) {
        let shown = match &cell {
            Cell::Str(s) => format!("{s:?}"),
            Cell::Num(x) => format!("{x}"),
            Cell::Missing => "missing".into(),
        };
        return Err(violation(
            "category",
            format!(
                "{shown} is not one of the {} allowed categories",
                categories.len()
            ),
        ));
    }
    Ok(cell)
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<i64> {
    let part = s.get(at..at + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        part.iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')),
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Epoch milliseconds of an ISO-8601 date or date-time: `YYYY-MM-DD`, then optionally `T` (or a
/// space) `HH:MM[:SS[.fraction]]` and an offset `Z`, `±HH:MM`, `±HHMM` or `±HH`. No offset means
/// UTC.
pub(crate) fn parse_iso8601(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let m = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut ms = (days_from_civil(y, m, d) * 86_400_000) as f64;
    let mut i = 10;
    if i == b.len() {
        return Some(ms);
    }
    if !matches!(b.get(i), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hh = digits(b, i + 1, 2)?;
    if b.get(i + 3) != Some(&b':') {
        return None;
    }
    let mm = digits(b, i + 4, 2)?;
    i += 6;
    let mut ss = 0;
    let mut frac = 0.0;
    if b.get(i) == Some(&b':') {
        ss = digits(b, i + 1, 2)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return None;
            }
            let f = std::str::from_utf8(b.get(start..end)?).ok()?;
            frac = format!("0.{f}").parse::<f64>().ok()? * 1000.0;
            i = end;
        }
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    ms += ((hh * 3600 + mm * 60 + ss) * 1000) as f64 + frac;
    let offset_min = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let rest = b.get(i + 3..)?;
            let om = match rest {
                [] => 0,
                [b':', ..] if rest.len() == 3 => digits(b, i + 4, 2)?,
                _ if rest.len() == 2 => digits(b, i + 3, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 60 + om;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    Some(ms - (offset_min * 60_000) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601() {
        assert_eq!(parse_iso8601("1970-01-01"), Some(0.0));
        assert_eq!(parse_iso8601("1970-01-01T01:00:00Z"), Some(3_600_000.0));
        assert_eq!(parse_iso8601("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_iso8601("1970-01-01 00:00:01.5"), Some(1500.0));
        assert_eq!(parse_iso8601("1969-12-31T23:00-0100"), Some(0.0));
        assert_eq!(
            parse_iso8601("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000.0)
        );
        for bad in [
            "",
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T24:00",
            "2024-01-01Tx",
            "20240101",
            "2024-01-01T00:00Zx",
            "１９７０-01-01",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}

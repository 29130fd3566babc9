//! A revocation's reason as the `revocations.reason` column records it: the RFC 5280 §5.3.1
//! reasonCode number. The column is written and read through here and nowhere else; a number
//! that names no reason is a damaged store, never a silent `unspecified`.

use super::StoreError;
use crate::ca::crl::Reason;

/// The column's value for `reason`.
pub(super) fn sql(reason: Reason) -> i64 {
    i64::from(reason.code())
}

/// Reads the column's value; a number that is no RFC 5280 reason (7, or out of range) is an
/// error naming it.
pub(super) fn from_sql(code: i64) -> Result<Reason, StoreError> {
    u8::try_from(code)
        .ok()
        .and_then(Reason::from_code)
        .ok_or_else(|| {
            StoreError::Damaged(format!("unknown revocation reason `{code}` in revocations"))
        })
}

/// [`from_sql`] inside a row mapping (`column` is the reason's index in the query).
pub(super) fn from_sql_row(code: i64, column: usize) -> rusqlite::Result<Reason> {
    from_sql(code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Integer,
            e.to_string().into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Reason; 10] = Reason::ALL;

    #[test]
    fn every_reason_round_trips_through_the_column() {
        for r in ALL {
            assert_eq!(from_sql(sql(r)).unwrap(), r);
        }
        assert_eq!(sql(Reason::KeyCompromise), 1);
        assert_eq!(sql(Reason::RemoveFromCrl), 8);
    }

    #[test]
    fn a_number_that_is_no_reason_is_refused_and_named() {
        for code in [7, 11, 256, -1] {
            let err = from_sql(code).unwrap_err().to_string();
            assert!(
                err.contains(&format!("unknown revocation reason `{code}`")),
                "{err}"
            );
        }
        let err = from_sql_row(7, 9).unwrap_err().to_string();
        assert!(err.contains("`7`"), "{err}");
    }
}

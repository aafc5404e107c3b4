//! Validation of the Date header (RFC 3261 §20.17: an RFC 1123 date, always in GMT).

/// Checks `wkday "," SP date1 SP time SP "GMT"`, e.g. `Sat, 13 Nov 2010 23:29:00 GMT`.
pub(crate) fn validate(s: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = s.split_ascii_whitespace().collect();
    let [wkday, day, month, year, time, zone] = parts.as_slice() else {
        return Err("not an RFC 1123 date");
    };
    const WKDAYS: [&str; 7] = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    let time_ok = time.split(':').count() == 3 && time.split(':').all(|t| digits(t, 2));
    if !WKDAYS.contains(wkday)
        || !digits(day, 2)
        || !MONTHS.contains(month)
        || !digits(year, 4)
        || !time_ok
    {
        return Err("not an RFC 1123 date");
    }
    if *zone != "GMT" {
        return Err("time zone is not GMT");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn gmt_only() {
        assert!(super::validate("Sat, 15 Oct 2005 04:44:56 GMT").is_ok());
        assert!(super::validate("Fri, 01 Jan 2010 16:00:00 EST").is_err());
        assert!(super::validate("yesterday").is_err());
    }
}

//! Workload (B4): where the estimated hours of open tasks fall, week by week.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The Monday of `d`'s week.
pub fn week_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// One task's hours over `weeks` consecutive weeks from `first` (a Monday).
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub weeks: Vec<f64>,
    /// Falls after the last week shown.
    pub later: f64,
    /// No due date: cannot be placed.
    pub unscheduled: f64,
}

fn workday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Spreads `hours` evenly over the working days (Monday to Friday) from the task's start —
/// or today, when it started already: what is left is ahead — to its due date. An overdue
/// task's hours all fall in the current week: that is when they are owed.
pub fn spread(
    hours: f64,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    today: NaiveDate,
    first: NaiveDate,
    weeks: usize,
) -> Spread {
    let mut out = Spread {
        weeks: vec![0.0; weeks],
        later: 0.0,
        unscheduled: 0.0,
    };
    let hours = if hours.is_finite() {
        hours.max(0.0)
    } else {
        0.0
    };
    let Some(due) = due else {
        out.unscheduled = hours;
        return out;
    };
    let mut put = |d: NaiveDate, h: f64| {
        let i = (week_of(d) - first).num_days().div_euclid(7);
        match usize::try_from(i) {
            Ok(i) if i < weeks => out.weeks[i] += h,
            Ok(_) => out.later += h,
            // Before the first week shown: owed now.
            Err(_) if weeks > 0 => out.weeks[0] += h,
            Err(_) => out.later += h,
        }
    };
    let from = start.unwrap_or(due).max(today);
    if due < from {
        put(today, hours);
        return out;
    }
    // Long spans are capped: a year of working days is plenty to place hours by week.
    let days: Vec<NaiveDate> = from
        .iter_days()
        .take_while(|d| *d <= due)
        .take(366)
        .filter(|d| workday(*d))
        .collect();
    if days.is_empty() {
        put(due, hours);
        return out;
    }
    let each = hours / days.len() as f64;
    for d in days {
        put(d, each);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn hours_fall_on_the_working_days_of_the_span() {
        // Mon 2026-11-30 .. Fri 2026-12-11: ten working days over two weeks.
        let s = spread(
            20.0,
            Some(d("2026-11-30")),
            Some(d("2026-12-11")),
            d("2026-11-30"),
            d("2026-11-30"),
            4,
        );
        assert_eq!(s.weeks, vec![10.0, 10.0, 0.0, 0.0]);
        // Started last week: what is left falls from today.
        let s = spread(
            9.0,
            Some(d("2026-11-23")),
            Some(d("2026-12-02")),
            d("2026-11-30"),
            d("2026-11-30"),
            2,
        );
        assert_eq!(s.weeks, vec![9.0, 0.0]);
        // Overdue: owed this week. Undated: unscheduled. Far away: later.
        let s = spread(
            5.0,
            None,
            Some(d("2026-11-20")),
            d("2026-11-30"),
            d("2026-11-30"),
            2,
        );
        assert_eq!(s.weeks, vec![5.0, 0.0]);
        assert_eq!(
            spread(5.0, None, None, d("2026-11-30"), d("2026-11-30"), 2).unscheduled,
            5.0
        );
        assert_eq!(
            spread(
                5.0,
                None,
                Some(d("2027-06-01")),
                d("2026-11-30"),
                d("2026-11-30"),
                2
            )
            .later,
            5.0
        );
        // Due on a Saturday without a start: the hours still count, in that week.
        let s = spread(
            3.0,
            None,
            Some(d("2026-12-05")),
            d("2026-11-30"),
            d("2026-11-30"),
            2,
        );
        assert_eq!(s.weeks, vec![3.0, 0.0]);
    }

    proptest! {
        /// Every hour lands somewhere: the weeks, later, or unscheduled.
        #[test]
        fn no_hour_is_lost(hours in 0.0f64..500.0, a in 0i64..400, len in -30i64..400,
                           has_start in any::<bool>(), has_due in any::<bool>(), t in 0i64..400,
                           weeks in 0usize..30) {
            let base = d("2026-01-05");
            let start = has_start.then(|| base + Duration::days(a));
            let due = has_due.then(|| base + Duration::days(a + len));
            let today = base + Duration::days(t);
            let s = spread(hours, start, due, today, week_of(today), weeks);
            let total: f64 = s.weeks.iter().sum::<f64>() + s.later + s.unscheduled;
            prop_assert!((total - hours).abs() < 1e-6, "{total} vs {hours}");
            prop_assert!(s.weeks.iter().all(|h| *h >= 0.0));
        }
    }
}

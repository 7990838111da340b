//! The order of cards on a board (B1). Every task has a rank, a string whose plain string
//! order is the card order (`ORDER BY board_rank, id` in SQL). A move computes one new rank
//! between the card's new neighbours, so no other card is renumbered. Ranks are
//! `fractional_index` keys (hex, ordered like the byte strings they encode).

use fractional_index::FractionalIndex;

fn parse(rank: &str) -> Option<FractionalIndex> {
    // A task from before ranks existed, or a rank this code did not write, has no place yet.
    FractionalIndex::from_string(rank).ok()
}

/// A rank strictly between `prev` and `next` (`None`: the start or the end of the column).
/// `None` when there is no room: the two neighbours are unranked, equal, or out of order —
/// the caller then re-ranks the neighbours that tie (see `tandem_db::board`).
pub fn rank_between(prev: Option<&str>, next: Option<&str>) -> Option<String> {
    let prev = match prev {
        Some(p) => Some(parse(p)?),
        None => None,
    };
    let next = match next {
        Some(n) => Some(parse(n)?),
        None => None,
    };
    let r = match (prev, next) {
        (None, None) => FractionalIndex::default(),
        (Some(p), None) => FractionalIndex::new_after(&p),
        (None, Some(n)) => FractionalIndex::new_before(&n),
        (Some(p), Some(n)) => FractionalIndex::new_between(&p, &n)?,
    };
    Some(r.to_string())
}

/// The rank right after `prev`, whatever it is: an unreadable `prev` counts as the start.
pub fn rank_after(prev: Option<&str>) -> String {
    match prev.and_then(parse) {
        Some(p) => FractionalIndex::new_after(&p).to_string(),
        None => FractionalIndex::default().to_string(),
    }
}

/// `n` ascending ranks after `after` (the last rank in use; `None`: none yet), spread by
/// halving, for ranking many cards at once — a migration, an import, `tandem seed`.
/// Appending one by one would lengthen the keys by a byte every 64 cards; halving keeps 5,000
/// of them under 30 characters.
pub fn spread(after: Option<&str>, n: usize) -> Vec<String> {
    let mut out = vec![String::new(); n];
    let lo = after.and_then(parse);
    let hi = match &lo {
        // Room up to a key far enough after the last one.
        Some(l) => FractionalIndex::new_after(&FractionalIndex::new_after(l)),
        None => FractionalIndex::default(),
    };
    fill(&mut out, lo.as_ref(), Some(&hi));
    out
}

fn fill(out: &mut [String], lo: Option<&FractionalIndex>, hi: Option<&FractionalIndex>) {
    if out.is_empty() {
        return;
    }
    let mid = out.len() / 2;
    let key = match (lo, hi) {
        (Some(l), Some(h)) => FractionalIndex::new_between(l, h),
        (None, Some(h)) => Some(FractionalIndex::new_before(h)),
        (Some(l), None) => Some(FractionalIndex::new_after(l)),
        (None, None) => Some(FractionalIndex::default()),
    };
    // Between two distinct keys there is always room; `None` cannot happen here.
    let Some(key) = key else { return };
    out[mid] = key.to_string();
    let (left, right) = out.split_at_mut(mid);
    fill(left, lo, Some(&key));
    fill(&mut right[1..], Some(&key), hi);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spread_is_ascending_unique_and_short() {
        let r = spread(None, 5000);
        assert!(r.windows(2).all(|w| w[0] < w[1]));
        assert!(r.iter().all(|k| !k.is_empty() && k.len() <= 30));
        assert!(spread(None, 0).is_empty());
        let more = spread(r.last().map(String::as_str), 100);
        assert!(more[0] > r[4999] && more.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn no_room_between_equal_or_unranked_neighbours() {
        let a = rank_after(None);
        assert_eq!(rank_between(Some(&a), Some(&a)), None);
        assert_eq!(rank_between(Some(""), None), None);
        let b = rank_between(Some(&a), None).unwrap();
        assert_eq!(rank_between(Some(&b), Some(&a)), None);
        assert!(rank_after(Some("zz")) > String::new());
    }

    proptest! {
        /// Random inserts at random places keep string order equal to list order, and every
        /// new key lands strictly between its neighbours.
        #[test]
        fn inserts_keep_string_order(places in proptest::collection::vec(any::<prop::sample::Index>(), 1..300)) {
            let mut v: Vec<String> = Vec::new();
            for p in places {
                let at = p.index(v.len() + 1);
                let prev = at.checked_sub(1).map(|i| v[i].as_str());
                let next = v.get(at).map(String::as_str);
                let key = rank_between(prev, next).expect("room between distinct ranks");
                if let Some(p) = prev { prop_assert!(p < key.as_str()); }
                if let Some(n) = next { prop_assert!(key.as_str() < n); }
                v.insert(at, key);
            }
            prop_assert!(v.windows(2).all(|w| w[0] < w[1]));
        }
    }
}

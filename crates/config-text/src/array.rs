//! Arrays: elements that stay (equal in the old and new list, in order) keep their text and the
//! comments around them; the ones between are edited pairwise, removed or inserted. So
//! removing the second of three exec rules removes that rule, instead of rewriting the second
//! with the third and dropping the last.

use crate::style::Style;
use crate::{input, same};
use jsonc_parser::cst::{CstArray, CstNode};
use serde_json::Value;

/// Past this many old × new elements, pairs are matched by position only (no quadratic table).
const MAX_TABLE: usize = 250_000;

pub(crate) fn reconcile(arr: &CstArray, known: Option<&Vec<Value>>, items: &[Value], style: Style) {
    let elements = arr.elements();
    let old: Vec<Option<Value>> = match known {
        Some(k) if k.len() == elements.len() => k.iter().cloned().map(Some).collect(),
        _ => elements.iter().map(CstNode::to_serde_value).collect(),
    };
    let kept = common(&old, items);
    let mut pos = 0usize;
    let (mut oi, mut ni) = (0usize, 0usize);
    let ends = kept
        .iter()
        .copied()
        .chain(std::iter::once((old.len(), items.len())));
    for (o_end, n_end) in ends {
        let old_gap = elements.get(oi..o_end).unwrap_or_default();
        let new_gap = items.get(ni..n_end).unwrap_or_default();
        let paired = old_gap.len().min(new_gap.len());
        for (k, (el, v)) in old_gap.iter().zip(new_gap).enumerate() {
            let was = old.get(oi + k).and_then(Option::as_ref);
            crate::reconcile(el.clone(), was, v, style);
        }
        pos += paired;
        for el in old_gap.iter().skip(paired) {
            el.clone().remove();
        }
        for v in new_gap.iter().skip(paired) {
            style.apply(&arr.insert(pos, input(v)));
            pos += 1;
        }
        // The kept element itself (the sentinel past the end has none).
        pos += 1;
        oi = o_end + 1;
        ni = n_end + 1;
    }
}

/// Index pairs of a longest common subsequence of equal elements.
fn common(old: &[Option<Value>], new: &[Value]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_TABLE {
        return Vec::new();
    }
    let eq = |i: usize, j: usize| match (old.get(i), new.get(j)) {
        (Some(Some(a)), Some(b)) => same(a, b),
        _ => false,
    };
    // lengths[i][j]: LCS of old[i..] and new[j..], flattened.
    let w = m + 1;
    let mut lengths = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let v = if eq(i, j) {
                lengths.get((i + 1) * w + j + 1).copied().unwrap_or(0) + 1
            } else {
                let down = lengths.get((i + 1) * w + j).copied().unwrap_or(0);
                let right = lengths.get(i * w + j + 1).copied().unwrap_or(0);
                down.max(right)
            };
            if let Some(slot) = lengths.get_mut(i * w + j) {
                *slot = v;
            }
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if eq(i, j) {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if lengths.get((i + 1) * w + j) >= lengths.get(i * w + j + 1) {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

//! Strings put together without `core::fmt` and without `alloc`'s generic `concat`/`join`
//! (whose monomorphic copy is ~1 KB of the wasm, with a panic path of its own), and taken
//! apart with byte loops instead of `str`'s pattern searches and `parse` (their char
//! searchers, `memchr` and integer parser are ~1.5 KB of it).

use crate::prelude::*;

/// The parts, one after the other.
pub fn cat(parts: &[&str]) -> String {
    join(parts, "")
}

/// The parts with `sep` between them.
pub fn join<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part.as_ref());
    }
    out
}

/// The parts of `text` between the bytes `sep` (an ASCII separator, so every part is a `str`).
pub fn split(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    core::iter::from_fn(move || {
        let t = rest?;
        match t.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = t.get(i + 1..);
                t.get(..i)
            }
            None => rest.take(),
        }
    })
}

/// `digits` as a number when it is only ASCII digits (at least one; no sign, no spaces) and
/// fits a `u64`.
pub fn number(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        let digit = b.is_ascii_digit().then(|| u64::from(b - b'0'))?;
        n.checked_mul(10)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_gives_every_part_between_separators() {
        let parts: Vec<&str> = split("a\n\nb\n", b'\n').collect();
        assert_eq!(parts, ["a", "", "b", ""]);
        assert_eq!(split("", b'\n').collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn number_reads_plain_digits_only() {
        assert_eq!(number("0"), Some(0));
        assert_eq!(number("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1.5",
            "18446744073709551616",
            "x",
        ] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cat_and_join_put_the_parts_together() {
        assert_eq!(cat(&["kith.", "p", ""]), "kith.p");
        assert_eq!(join(&["a".to_owned(), "b".to_owned()], " "), "a b");
        assert_eq!(join::<&str>(&[], "\n"), "");
    }
}

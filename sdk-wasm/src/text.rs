//! Strings put together without `core::fmt` and without `alloc`'s generic `concat`/`join`
//! (whose monomorphic copy is ~1 KB of the wasm, with a panic path of its own).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cat_and_join_put_the_parts_together() {
        assert_eq!(cat(&["kith.", "p", ""]), "kith.p");
        assert_eq!(join(&["a".to_owned(), "b".to_owned()], " "), "a b");
        assert_eq!(join::<&str>(&[], "\n"), "");
    }
}

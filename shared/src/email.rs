//! Email addresses as Kith compares them (CONTRACT "Verification and linking rules"; issue
//! 12, item 6): one normalization, and the one rule for which addresses may link accounts.
//!
//! **ASCII case only.** Unicode case mapping makes distinct mailboxes collide: `to_lowercase`
//! turns KELVIN SIGN `K` (U+212A) into `k`, so a provider account for `\u{212A}im@x.com`
//! would have matched the user who owns `kim@x.com`. Only `A`-`Z` are folded, and only ASCII
//! whitespace is trimmed (a trailing U+00A0 is not "the same address").
//!
//! **A non-ASCII address never links.** An address with any non-ASCII byte (an SMTPUTF8
//! local part, RFC 6531, or an IDN domain in U-labels) is kept as given (trimmed, its ASCII
//! letters folded) as contact data, but it is not an identifier: it never joins an existing
//! user, never collides with one (`email_in_use`), never starts an email OTP, and never
//! becomes a user's verified email. Kith cannot tell when two such spellings are the same
//! mailbox: local parts are the receiving server's business (RFC 5321 section 2.4), Unicode
//! has several encodings of one text (NFC/NFD) and look-alikes, and IDNA2003 and IDNA2008 map
//! domains differently (`faß.de` is `fass.de` under one and its own domain under the other),
//! so even a provider's "verified" says only that mail reached *some* mailbox its resolver
//! chose. Matching such addresses by exact bytes would make account takeover depend on
//! the weakest of those normalizations; matching them not at all costs only a second
//! account, which the user can link explicitly.

/// The address as Kith stores and compares it: ASCII whitespace trimmed, ASCII letters
/// lower-cased, every other byte kept as given. `None` when nothing is left.
pub fn normalize(raw: &str) -> Option<String> {
    let trimmed = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_ascii_lowercase())
}

/// Whether a (normalized) address may take part in email matching: printable ASCII with an
/// `@` that has something on both sides. Every other address is contact data only (see the
/// module docs).
pub fn is_identifier(email: &str) -> bool {
    let printable = email.bytes().all(|b| b.is_ascii_graphic());
    let parts = email
        .rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    printable && parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_ascii_case_only() {
        assert_eq!(normalize("  Kim@X.COM\t").as_deref(), Some("kim@x.com"));
        assert_eq!(
            normalize("\u{212A}im@x.com").as_deref(),
            Some("\u{212A}im@x.com")
        );
        assert_eq!(normalize("\u{a0}a@x.com").as_deref(), Some("\u{a0}a@x.com"));
        assert_eq!(normalize(" \t "), None);
    }

    #[test]
    fn only_printable_ascii_addresses_are_identifiers() {
        assert!(is_identifier("kim@x.com"));
        for e in [
            "\u{212A}im@x.com",
            "jöhn@x.com",
            "a@faß.de",
            "a b@x",
            "@x",
            "a@",
            "ax",
        ] {
            assert!(!is_identifier(e), "{e}");
        }
    }
}

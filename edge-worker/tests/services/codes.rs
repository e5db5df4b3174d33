//! One list of error codes: the Worker's `Code::ALL`, the README's table and the SDK's
//! `KithErrorCode` union must say the same thing (a code added in one place fails here).

use kith_worker::error::Code;
use std::collections::BTreeSet;

fn repo_file(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    std::fs::read_to_string(format!("{root}/{path}")).unwrap()
}

/// The section of `text` under `heading` (to the next heading).
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let rest = &text[start + heading.len()..];
    rest.find("\n#").map_or(rest, |end| &rest[..end])
}

/// The `(code, status)` rows of the README's table.
fn readme_table() -> BTreeSet<(String, u16)> {
    let readme = repo_file("README.md");
    section(&readme, "### All error codes")
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((code.to_owned(), cells.get(2)?.parse().ok()?))
        })
        .collect()
}

/// The backticked codes of the README line that names the SDK's own codes.
fn readme_client_codes() -> BTreeSet<String> {
    let readme = repo_file("README.md");
    let part = section(&readme, "### All error codes");
    let tail = &part[part.find("SDK client codes").unwrap()..];
    let para = tail.split("\n\n").next().unwrap();
    para.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The members of `export type KithErrorCode = | "a" | "b" ...;` in `pkg/index.d.ts`.
fn sdk_union() -> BTreeSet<String> {
    let dts = repo_file("pkg/index.d.ts");
    let start = dts.find("export type KithErrorCode =").unwrap();
    let body = &dts[start..];
    let body = &body[..body.find(';').unwrap()];
    assert!(
        !body.contains("string &"),
        "the union must be closed: {body}"
    );
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn worker_codes() -> BTreeSet<(String, u16)> {
    Code::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.status()))
        .collect()
}

#[test]
fn the_readme_table_lists_exactly_the_workers_codes_with_their_statuses() {
    assert_eq!(readme_table(), worker_codes());
}

#[test]
fn the_sdk_union_is_the_workers_codes_and_the_sdks_own() {
    let mut expected: BTreeSet<String> = worker_codes().into_iter().map(|(c, _)| c).collect();
    expected.extend(readme_client_codes());
    assert_eq!(sdk_union(), expected);
}

#[test]
fn codes_are_unique_lower_case_words() {
    let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len());
    assert!(names
        .iter()
        .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
}

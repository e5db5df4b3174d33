//! `GET /admin/projects` (the admin console's list) on the twins: every project, by name, in
//! the same shape as `GET /admin/projects/{pid}` (the mailer's URL included, never a secret).

use super::native::native;
use super::world::{block_on, now, Sqlite};
use kith_worker::app::admin::projects;

const OTHER: &str = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
const WHSEC: &str = "whsec-0123456789abcdef";

#[test]
fn lists_every_project_by_name_in_the_shape_of_a_single_get() {
    let n = native();
    let body = format!(
        r#"{{"name": "Acme shop", "allowed_origins": ["https://shop.example"],
        "redirect_urls": ["https://shop.example/cb"], "self_registration": false,
        "settings": {{"access_token_ttl_secs": 600}},
        "mailer": {{"url": "https://mail.example/hook", "secret": "{WHSEC}"}}}}"#
    );
    block_on(projects::put(&n.p, OTHER, body.as_bytes(), now())).unwrap();
    let list = block_on(projects::list(&n.p.db)).unwrap();
    let names: Vec<&str> = list["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme shop", "native"]);
    let single = block_on(projects::get(&n.p.db, OTHER)).unwrap();
    assert_eq!(list["projects"][0], single);
    assert_eq!(single["settings"]["access_token_ttl_secs"], 600);
    assert_eq!(single["self_registration"], false);
    assert_eq!(single["mailer"]["url"], "https://mail.example/hook");
    assert!(!list.to_string().contains(WHSEC), "{list}");
}

#[test]
fn an_empty_store_lists_no_projects() {
    let db = Sqlite::with_migrations().unwrap();
    let list = block_on(projects::list(&db)).unwrap();
    assert_eq!(list, serde_json::json!({ "projects": [] }));
}

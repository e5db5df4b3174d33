//! `GET /admin/projects` (the admin console's list) on the SQLite twin: every project, by
//! name, in the same shape as `GET /admin/projects/{pid}`.

use super::world::*;
use kith_worker::app::admin::projects;

const OTHER: &str = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5";

#[test]
fn lists_every_project_by_name_in_the_shape_of_a_single_get() {
    let w = world();
    let body = br#"{"name": "Acme shop", "allowed_origins": ["https://shop.example"],
        "redirect_urls": ["https://shop.example/cb"], "self_registration": false,
        "settings": {"access_token_ttl_secs": 600}}"#;
    block_on(projects::put(&w.db, OTHER, body, NOW)).unwrap();
    let list = block_on(projects::list(&w.db)).unwrap();
    let names: Vec<&str> = list["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme shop", "t"]);
    let single = block_on(projects::get(&w.db, OTHER)).unwrap();
    assert_eq!(list["projects"][0], single);
    assert_eq!(single["settings"]["access_token_ttl_secs"], 600);
    assert_eq!(single["self_registration"], false);
}

#[test]
fn an_empty_store_lists_no_projects() {
    let db = Sqlite::with_migrations().unwrap();
    let list = block_on(projects::list(&db)).unwrap();
    assert_eq!(list, serde_json::json!({ "projects": [] }));
}

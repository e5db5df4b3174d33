//! Secrets at rest under a keyring: per-purpose keys, key ids, associated data that binds a
//! sealed value to its row, several master keys, and a rotation that reads every value back.

use super::world::*;
use kith_worker::adapters::twins::crypto::{NativeCrypto, TWIN_SECRETS_KEY};
use kith_worker::app::keyring::{provider_secret_aad, Keyring, Purpose};
use kith_worker::app::ports::Crypto;

const NEW_KEY: &str = "bmV3IGtpdGgga2V5IGZvciB0aGUgcm90YXRpb24gdGU";

#[test]
fn each_purpose_gets_its_own_key_from_each_master() {
    let ring = Keyring::parse(TWIN_SECRETS_KEY).unwrap();
    let k = ring.sealing();
    let keys = [Purpose::Seal, Purpose::RefreshSuccessor, Purpose::Flow].map(|p| k.derive(p));
    assert_ne!(keys[0], keys[1]);
    assert_ne!(keys[1], keys[2]);
    assert_ne!(
        keys[0],
        k.legacy_seal_key(),
        "the raw master is not the sealing key"
    );
    assert!(!format!("{ring:?}").contains(TWIN_SECRETS_KEY));
    assert!(
        Keyring::parse("short").is_err(),
        "a malformed key fails loudly"
    );
    assert!(Keyring::parse(" , ").is_err());
}

#[test]
fn a_sealed_value_opens_only_for_its_own_row() {
    let c = NativeCrypto::default();
    let aad = provider_secret_aad(PID, "google");
    let sealed = block_on(c.seal(&Secret::new("s3cret"), &aad)).unwrap();
    assert!(sealed.starts_with("k1."), "{sealed}");
    assert!(!sealed.contains("s3cret"));
    let (plain, stale) = block_on(c.open(&sealed, &aad)).unwrap();
    assert_eq!((plain.expose(), stale), ("s3cret", false));
    let other_row = provider_secret_aad(PID, "github");
    assert!(
        block_on(c.open(&sealed, &other_row)).is_err(),
        "copied into another row"
    );
    let mut tampered = sealed.clone();
    tampered.pop();
    tampered.push('A');
    assert!(block_on(c.open(&tampered, &aad)).is_err());
}

#[test]
fn rotating_the_master_key_reads_every_sealed_value_back_and_reseals_it() {
    let mut c = NativeCrypto::default();
    let rows: Vec<(String, String)> = ["google", "github", "oidc:a", "oidc:b"]
        .iter()
        .map(|name| {
            let aad = provider_secret_aad(PID, name);
            let sealed = block_on(c.seal(&Secret::new(format!("secret of {name}")), &aad)).unwrap();
            (aad, sealed)
        })
        .collect();
    // Deploy a new key first, the old one still listed: everything opens, all stale.
    c.rotate(&format!("{NEW_KEY},{TWIN_SECRETS_KEY}")).unwrap();
    let resealed: Vec<(String, String)> = rows
        .iter()
        .map(|(aad, sealed)| {
            let (plain, stale) = block_on(c.open(sealed, aad)).unwrap();
            assert!(stale, "sealed under the old key");
            (aad.clone(), block_on(c.seal(&plain, aad)).unwrap())
        })
        .collect();
    // Drop the old key: the re-sealed values still open, the old ones no longer do.
    c.rotate(NEW_KEY).unwrap();
    for ((aad, old), (_, new)) in rows.iter().zip(&resealed) {
        let (plain, stale) = block_on(c.open(new, aad)).unwrap();
        assert!(plain.expose().starts_with("secret of "));
        assert!(!stale);
        assert!(block_on(c.open(old, aad)).is_err());
    }
}

#![no_main]
// The JWKS parser on arbitrary input: must return, never panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(set) = kith_claims::jose::JwkSet::parse(data) {
        let _ = set.has_kid("k");
    }
});

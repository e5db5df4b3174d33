#![no_main]
// The compact-JWS parser on arbitrary input: must return, never panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(jws) = kith_claims::jose::UnverifiedJws::parse(text) {
            let _ = jws.alg_in(&[kith_claims::jose::Alg::Rs256, kith_claims::jose::Alg::Es256, kith_claims::jose::Alg::EdDsa]);
        }
    }
});

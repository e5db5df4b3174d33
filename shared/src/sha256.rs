//! SHA-256 (FIPS 180-4) of a byte string in one piece: the message padding of section 5.1.1
//! and the compression function of section 6.2.2, checked against RustCrypto's `sha2` for
//! every length across the block boundaries, random inputs, and the FIPS 180-2 examples.
//!
//! Which implementation: with the `std` feature (the Worker, native code) [`sha256`] is
//! RustCrypto's `sha2`, which everything stored (refresh tokens, codes, replay keys) is hashed
//! with. Without it — the browser SDK's `no_std` build, which only hashes its PKCE verifier —
//! it is the compact one-shot function of this module: `sha2`'s `digest`/`block-buffer`
//! wrapper was ~1 KB of the SDK's wasm and its compression function reads the block through
//! slice indexing that links a panic path and its messages, where this one reads every array
//! through `get` (BENCHMARKS.md "SDK size", fourth round). The tests hold the compact function
//! equal to `sha2` on every length across the block boundaries, random inputs and the FIPS
//! examples. SHA-256 has no secret-dependent branches or table lookups.

/// The initial hash value (section 5.3.3).
const H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The round constants (section 4.2.2).
const K: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

/// Word `i` (mod 16) of the message schedule's last 16 words.
fn word(w: &[u32; 16], i: usize) -> u32 {
    word_at(w, i & 15)
}

fn word_at(words: &[u32], i: usize) -> u32 {
    words.get(i).copied().unwrap_or_default()
}

/// The compression function (section 6.2.2) on one 64-byte block, the message schedule kept
/// as its last 16 words: no indexing that can fail, so no panic path is linked.
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = [0u32; 16];
    for (i, b) in block.iter().enumerate() {
        if let Some(w) = w.get_mut(i / 4) {
            *w = *w << 8 | u32::from(*b);
        }
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (t, k) in K.iter().enumerate() {
        if t >= 16 {
            // W(t) = σ1(W(t-2)) + W(t-7) + σ0(W(t-15)) + W(t-16), all mod 16 slots back.
            let (w2, w15) = (word(&w, t + 14), word(&w, t + 1));
            let s0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
            let s1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
            let next = word(&w, t)
                .wrapping_add(s0)
                .wrapping_add(word(&w, t + 9))
                .wrapping_add(s1);
            if let Some(slot) = w.get_mut(t & 15) {
                *slot = next;
            }
        }
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(*k)
            .wrapping_add(word(&w, t));
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        (h, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// The SHA-256 digest of `data`: RustCrypto's `sha2` with `std`.
#[cfg(feature = "std")]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// The SHA-256 digest of `data`: the compact one-shot function without `std` (the SDK).
#[cfg(not(feature = "std"))]
pub fn sha256(data: &[u8]) -> [u8; 32] {
    compact(data)
}

/// The module's own SHA-256 (see the module documentation).
#[cfg_attr(all(feature = "std", not(test)), allow(dead_code))]
fn compact(data: &[u8]) -> [u8; 32] {
    let mut state = H0;
    // The message, a 1 bit, zeros, and its length in bits as a 64-bit big-endian number,
    // read byte by byte into one block buffer: one or two blocks more than the whole ones.
    let bits = (data.len() as u64).wrapping_mul(8).to_be_bytes();
    let total = (data.len() + 72) / 64 * 64;
    let mut block = [0u8; 64];
    for i in 0..total {
        let byte = match data.get(i) {
            Some(b) => *b,
            None if i == data.len() => 0x80,
            None => bits.get(i.wrapping_sub(total - 8)).copied().unwrap_or(0),
        };
        if let Some(slot) = block.get_mut(i % 64) {
            *slot = byte;
        }
        if i % 64 == 63 {
            compress(&mut state, &block);
        }
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (word_at(&state, i / 4) >> (24 - 8 * (i % 4))) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::compact as sha256;
    use sha2::{Digest, Sha256};

    #[test]
    fn matches_rustcrypto_for_every_length_across_the_block_boundaries() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in 0..=data.len() {
            let input = &data[..n];
            let expected: [u8; 32] = Sha256::digest(input).into();
            assert_eq!(sha256(input), expected, "{n} bytes");
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_rustcrypto_for_random_inputs(data in proptest::collection::vec(proptest::num::u8::ANY, 0..700)) {
            let expected: [u8; 32] = Sha256::digest(&data).into();
            proptest::prop_assert_eq!(sha256(&data), expected);
        }
    }

    #[test]
    fn matches_fips_180_2_appendix_b() {
        let hex = |d: [u8; 32]| crate::hex::encode(d);
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(sha256(&[b'a'; 1_000_000])),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }
}

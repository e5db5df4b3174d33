//! SHA-256 (FIPS 180-4) of a byte string: RustCrypto's compression function
//! ([`sha2::compress256`]) with the message padding of section 5.1.1 done here.
//!
//! Why not `Sha256::digest`: its generic `digest`/`block-buffer` wrapper (buffering for
//! streamed input, which nothing here needs) is ~1 KB of the browser SDK's wasm, more than the
//! compression itself. The Worker and the SDK hash short values in one piece (PKCE verifiers,
//! nonces, refresh tokens and codes before they are stored).

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

fn compress(state: &mut [u32; 8], block: &[u8]) {
    let mut bytes = [0u8; 64];
    for (d, s) in bytes.iter_mut().zip(block) {
        *d = *s;
    }
    sha2::compress256(state, &[bytes.into()]);
}

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state = H0;
    let blocks = data.chunks_exact(64);
    let rest = blocks.remainder();
    for block in blocks {
        compress(&mut state, block);
    }
    // The rest, a 1 bit, zeros, and the length in bits as a 64-bit big-endian number: one
    // block, or two when fewer than 9 bytes are left in the first.
    let mut tail = [0u8; 128];
    for (d, s) in tail.iter_mut().zip(rest) {
        *d = *s;
    }
    if let Some(b) = tail.get_mut(rest.len()) {
        *b = 0x80;
    }
    let len = if rest.len() < 56 { 64 } else { 128 };
    let bits = (data.len() as u64).wrapping_mul(8).to_be_bytes();
    for (d, s) in tail.iter_mut().skip(len - 8).zip(bits) {
        *d = s;
    }
    for block in tail.chunks_exact(64).take(len / 64) {
        compress(&mut state, block);
    }
    let mut out = [0u8; 32];
    for (d, word) in out.chunks_exact_mut(4).zip(state) {
        for (d, s) in d.iter_mut().zip(word.to_be_bytes()) {
            *d = s;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sha256;
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
    }
}

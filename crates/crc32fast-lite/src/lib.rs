//! CRC32 (IEEE 802.3, reflected polynomial 0xEDB88320) with the API of the `crc32fast`
//! crate, computed a byte at a time with one 256-entry table built at compile time.
//! Used through `[patch.crates-io]` so that `zip` and `flate2` do not bring crc32fast's
//! 16 KiB of tables into the web app.

#![no_std]

use core::{fmt, hash};

const POLY: u32 = 0xEDB8_8320;

const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

fn update(crc: u32, buf: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in buf {
        c = TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// The CRC32 of `buf`.
pub fn hash(buf: &[u8]) -> u32 {
    update(0, buf)
}

/// An in-progress CRC32 computation.
#[derive(Clone)]
pub struct Hasher {
    amount: u64,
    state: u32,
}

impl Hasher {
    pub fn new() -> Self {
        Self::new_with_initial(0)
    }

    /// Starts from the CRC32 `init` of earlier bytes.
    pub fn new_with_initial(init: u32) -> Self {
        Self::new_with_initial_len(init, 0)
    }

    /// Starts from the CRC32 `init` of `amount` earlier bytes (for [`Hasher::combine`]).
    pub fn new_with_initial_len(init: u32, amount: u64) -> Self {
        Hasher {
            amount,
            state: init,
        }
    }

    pub fn update(&mut self, buf: &[u8]) {
        self.amount += buf.len() as u64;
        self.state = update(self.state, buf);
    }

    /// Bytes hashed so far (plus the initial length, plus combined states).
    pub fn total_len(&self) -> u64 {
        self.amount
    }

    pub fn finalize(self) -> u32 {
        self.state
    }

    pub fn reset(&mut self) {
        self.state = 0;
        self.amount = 0;
    }

    /// Appends `other`, the state of the bytes that follow: afterwards this is the CRC32
    /// of both byte runs.
    pub fn combine(&mut self, other: &Self) {
        self.amount += other.amount;
        self.state = combine(self.state, other.state, other.amount);
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("crc32fast::Hasher").finish()
    }
}

impl hash::Hasher for Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.update(bytes)
    }

    fn finish(&self) -> u64 {
        u64::from(self.state)
    }
}

// CRC32 of `a || b` from crc(a), crc(b) and len(b): appending len(b) zero bytes to `a` is
// a linear map over GF(2), applied by repeated squaring of the one-zero-bit operator.
type Matrix = [u32; 32];

fn times(m: &Matrix, mut v: u32) -> u32 {
    let mut sum = 0;
    let mut i = 0;
    while v != 0 {
        if v & 1 != 0 {
            sum ^= m[i];
        }
        v >>= 1;
        i += 1;
    }
    sum
}

fn square(m: &Matrix) -> Matrix {
    let mut out = [0u32; 32];
    for (o, &row) in out.iter_mut().zip(m) {
        *o = times(m, row);
    }
    out
}

fn combine(crc1: u32, crc2: u32, mut len2: u64) -> u32 {
    // op: the operator for one zero bit.
    let mut op = [0u32; 32];
    op[0] = POLY;
    for (n, o) in op.iter_mut().enumerate().skip(1) {
        *o = 1 << (n - 1);
    }
    // Operator for one zero byte (8 bits = three squarings).
    op = square(&square(&square(&op)));
    let mut crc = crc1;
    while len2 != 0 {
        if len2 & 1 != 0 {
            crc = times(&op, crc);
        }
        len2 >>= 1;
        if len2 != 0 {
            op = square(&op);
        }
    }
    crc ^ crc2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(hash(b""), 0);
        assert_eq!(
            hash(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn incremental_and_initial() {
        let mut h = Hasher::new();
        h.update(b"12345");
        let mid = h.clone().finalize();
        h.update(b"6789");
        assert_eq!(h.total_len(), 9);
        assert_eq!(h.finalize(), 0xCBF4_3926);
        let mut g = Hasher::new_with_initial(mid);
        g.update(b"6789");
        assert_eq!(g.finalize(), 0xCBF4_3926);
    }

    #[test]
    fn combine_matches_concatenation() {
        let data: [u8; 300] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for split in [0, 1, 7, 8, 9, 150, 299, 300] {
            let (a, b) = data.split_at(split);
            let mut ha = Hasher::new();
            ha.update(a);
            let mut hb = Hasher::new();
            hb.update(b);
            ha.combine(&hb);
            assert_eq!(ha.total_len(), 300);
            assert_eq!(ha.finalize(), hash(&data), "split at {split}");
        }
    }
}

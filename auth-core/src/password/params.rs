//! argon2id cost parameters and the OWASP minimum they must meet.

/// argon2id cost parameters for new hashes.
///
/// Defaults to OWASP minimum m=19456 KiB, t=2, p=1 (OWASP Password Storage Cheat Sheet; the
/// same as the `argon2` crate's defaults). [`PasswordHasher::new`](super::PasswordHasher::new)
/// refuses anything below that minimum; see [`meets_owasp_minimum`](Self::meets_owasp_minimum).
///
/// Changing the parameters never breaks existing hashes: verification reads the parameters
/// stored in each PHC string, and reports `needs_rehash` so hashes are upgraded on login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    /// Memory cost in KiB (`m`). Defaults to 19456 (19 MiB).
    pub memory_kib: u32,
    /// Number of passes over the memory (`t`). Defaults to 2.
    pub iterations: u32,
    /// Degree of parallelism, i.e. lanes (`p`). Defaults to 1.
    pub parallelism: u32,
}

impl Argon2Params {
    /// The OWASP minimum, m=19456 KiB, t=2, p=1: the default.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19456,
        iterations: 2,
        parallelism: 1,
    };

    /// The configurations OWASP lists as equally strong, as `(memory_kib, iterations)`.
    const OWASP_EQUIVALENTS: [(u32, u32); 5] =
        [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)];

    /// Whether these parameters are at least as strong as one of OWASP's equivalent argon2id
    /// configurations: m ≥ 47104 KiB with t ≥ 1, m ≥ 19456 with t ≥ 2, m ≥ 12288 with t ≥ 3,
    /// m ≥ 9216 with t ≥ 4, or m ≥ 7168 with t ≥ 5; always with p ≥ 1.
    pub fn meets_owasp_minimum(&self) -> bool {
        self.parallelism >= 1
            && Self::OWASP_EQUIVALENTS
                .iter()
                .any(|&(m, t)| self.memory_kib >= m && self.iterations >= t)
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::OWASP_MINIMUM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(memory_kib: u32, iterations: u32, parallelism: u32) -> Argon2Params {
        Argon2Params {
            memory_kib,
            iterations,
            parallelism,
        }
    }

    #[test]
    fn default_is_owasp_minimum_and_argon2_default() {
        let d = Argon2Params::default();
        assert_eq!(d, p(19456, 2, 1));
        assert_eq!(d.memory_kib, argon2::Params::DEFAULT_M_COST);
        assert_eq!(d.iterations, argon2::Params::DEFAULT_T_COST);
        assert_eq!(d.parallelism, argon2::Params::DEFAULT_P_COST);
        assert!(d.meets_owasp_minimum());
    }

    #[test]
    fn owasp_equivalence_table() {
        for ok in [
            p(47104, 1, 1),
            p(19456, 2, 1),
            p(12288, 3, 1),
            p(9216, 4, 1),
            p(7168, 5, 1),
            p(65536, 3, 4),
        ] {
            assert!(ok.meets_owasp_minimum(), "{ok:?} refused");
        }
        for weak in [
            p(19455, 2, 1),
            p(19456, 1, 1),
            p(12288, 2, 1),
            p(7167, 5, 1),
            p(7168, 4, 1),
            p(19456, 2, 0),
            p(64, 1, 1),
        ] {
            assert!(!weak.meets_owasp_minimum(), "{weak:?} accepted");
        }
    }
}

//! Authentication method references (`amr`, RFC 8176): how a user signed in, as access tokens
//! and id_tokens carry it, so a host can ask "did this sign-in use a second factor?".

use std::fmt;

/// A method of authentication, by its RFC 8176 §2 name.
///
/// The values this crate writes:
///
/// | sign-in | `amr` |
/// |---|---|
/// | password | `pwd` |
/// | password + TOTP code | `pwd otp mfa` |
/// | password + recovery code (a one-time password) | `pwd otp mfa` |
/// | passkey (user verification required) | `hwk` or `swk`, `user`, `mfa` |
/// | social login | *(none: the provider's methods are not known)* |
///
/// `mfa` is added whenever factors of two different kinds were checked (something known,
/// something held, something the user is); a passkey with user verification is one: the
/// authenticator (held) checked a PIN or biometric (known or are) before signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AuthMethod {
    /// `pwd`: a password.
    Pwd,
    /// `otp`: a one-time password (TOTP).
    Otp,
    /// `hwk`: proof of possession of a hardware-secured key (a device-bound passkey).
    Hwk,
    /// `swk`: proof of possession of a software-secured key (a synced passkey).
    Swk,
    /// `user`: the authenticator verified the user (PIN or biometric).
    User,
    /// `mfa`: more than one kind of factor was used.
    Mfa,
}

/// The kinds of factor (NIST SP 800-63B §5.1): two different kinds make a sign-in
/// multi-factor.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FactorKind {
    Known,
    Held,
    Inherent,
    None,
}

impl AuthMethod {
    /// Every method, in the order they are written into `amr`.
    pub const ALL: [Self; 6] = [
        Self::Pwd,
        Self::Otp,
        Self::Hwk,
        Self::Swk,
        Self::User,
        Self::Mfa,
    ];

    /// The RFC 8176 name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pwd => "pwd",
            Self::Otp => "otp",
            Self::Hwk => "hwk",
            Self::Swk => "swk",
            Self::User => "user",
            Self::Mfa => "mfa",
        }
    }

    /// The method named `name`, if it is one of these.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|method| method.as_str() == name)
    }

    fn kind(self) -> FactorKind {
        match self {
            Self::Pwd => FactorKind::Known,
            Self::Otp | Self::Hwk | Self::Swk => FactorKind::Held,
            // User verification is a PIN or a biometric; either differs from the key held.
            Self::User => FactorKind::Inherent,
            Self::Mfa => FactorKind::None,
        }
    }

    /// The `amr` list for a sign-in that used `methods`: each name once, in [`ALL`](Self::ALL)
    /// order, with `mfa` added when two kinds of factor were used. Names this crate does not
    /// know (a session stored by a newer version) are kept, after the known ones.
    pub fn amr<I, S>(methods: I) -> Vec<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut known = Vec::new();
        let mut other: Vec<String> = Vec::new();
        for name in methods {
            let name = name.as_ref();
            match Self::from_name(name) {
                Some(method) => known.push(method),
                None if !name.is_empty() && !other.iter().any(|held| held == name) => {
                    other.push(name.to_owned());
                }
                None => {}
            }
        }
        let kinds: Vec<FactorKind> = known
            .iter()
            .map(|method| method.kind())
            .filter(|kind| *kind != FactorKind::None)
            .collect();
        if kinds.iter().any(|kind| *kind != kinds[0]) {
            known.push(Self::Mfa);
        }
        known.sort_unstable();
        known.dedup();
        known
            .into_iter()
            .map(|method| method.as_str().to_owned())
            .chain(other)
            .collect()
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_factor_is_not_mfa() {
        assert_eq!(AuthMethod::amr(["pwd"]), ["pwd"]);
        assert_eq!(AuthMethod::amr(["pwd", "pwd"]), ["pwd"]);
        assert_eq!(AuthMethod::amr(Vec::<String>::new()), Vec::<String>::new());
    }

    #[test]
    fn two_kinds_of_factor_add_mfa_once() {
        assert_eq!(AuthMethod::amr(["otp", "pwd"]), ["pwd", "otp", "mfa"]);
        assert_eq!(
            AuthMethod::amr(["pwd", "otp", "mfa", "otp"]),
            ["pwd", "otp", "mfa"]
        );
        assert_eq!(AuthMethod::amr(["swk", "user"]), ["swk", "user", "mfa"]);
    }

    #[test]
    fn unknown_names_are_kept_after_known_ones() {
        assert_eq!(
            AuthMethod::amr(["face", "pwd", "face", ""]),
            ["pwd", "face"]
        );
    }

    #[test]
    fn names_round_trip() {
        for method in AuthMethod::ALL {
            assert_eq!(AuthMethod::from_name(method.as_str()), Some(method));
        }
        assert_eq!(AuthMethod::from_name("PWD"), None);
    }
}

//! The JWS compact serialization (RFC 7515 §7.1): three base64url parts joined by dots.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::TokenError;

/// A token split into its parts; nothing decoded yet.
pub(crate) struct CompactParts<'t> {
    /// `header.payload`: the bytes the signature covers.
    pub(crate) signing_input: &'t str,
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
}

/// Splits a compact JWS. Exactly two dots; header and payload non-empty. (An empty
/// signature, as `alg: none` uses, splits fine and fails later on its `alg`.)
pub(crate) fn split(token: &str) -> Result<CompactParts<'_>, TokenError> {
    let mut dots = token.match_indices('.').map(|(index, _)| index);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(TokenError::Malformed("not three dot-separated parts"));
    };
    let header = &token[..first];
    let payload = &token[first + 1..second];
    if header.is_empty() || payload.is_empty() {
        return Err(TokenError::Malformed("empty header or payload"));
    }
    Ok(CompactParts {
        signing_input: &token[..second],
        header,
        payload,
        signature: &token[second + 1..],
    })
}

/// Strict base64url: the URL-safe alphabet, no padding, no non-zero trailing bits — so each
/// byte string has exactly one accepted encoding.
pub(crate) fn decode_part(part: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed("invalid base64url"))
}

/// base64url without padding.
pub(crate) fn encode_part(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_parts() {
        let parts = split("aaa.bbb.ccc").unwrap();
        assert_eq!(
            (
                parts.signing_input,
                parts.header,
                parts.payload,
                parts.signature
            ),
            ("aaa.bbb", "aaa", "bbb", "ccc")
        );
        assert_eq!(split("aaa.bbb.").unwrap().signature, "");
    }

    #[test]
    fn refuses_other_shapes() {
        for token in ["", "a", "a.b", "a.b.c.d", "a.b.c.d.e", ".b.c", "a..c"] {
            assert!(
                matches!(split(token), Err(TokenError::Malformed(_))),
                "{token:?}"
            );
        }
    }

    #[test]
    fn base64url_is_strict() {
        assert_eq!(decode_part("eyJ9").unwrap(), b"{\"}");
        // padding, the standard alphabet, whitespace, non-canonical trailing bits
        for part in ["eyJ9==", "ey+/", "eyJ 9", "eyJ9\n", "eyK"] {
            assert!(decode_part(part).is_err(), "{part:?}");
        }
    }
}

//! The expiry a token really carries. GetToken tokens are JWTs; when one has an `exp` claim,
//! that instant (not the lifetime we asked for) is what the member is told and what the audit
//! log records, so neither claims a lifetime the token does not have. The signature is not
//! checked: the token is opaque to us and only its own issuer can verify it; we read the claim
//! to report it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The `exp` claim (Unix seconds) of a JWT-shaped token; `None` for anything else.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = &claims.as_object()?.get("exp")?;
    exp.as_i64()
        .or_else(|| exp.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn reads_exp_from_a_jwt() {
        assert_eq!(
            jwt_expiry(&jwt(r#"{"exp":1700000000}"#)),
            Some(1_700_000_000)
        );
        assert_eq!(
            jwt_expiry(&jwt(r#"{"sub":"x","exp":1700000000.9}"#)),
            Some(1_700_000_000)
        );
        let padded = format!("a.{}=.b", URL_SAFE_NO_PAD.encode(r#"{"exp":1700000001}"#));
        assert_eq!(jwt_expiry(&padded), Some(1_700_000_001));
    }

    #[test]
    fn anything_else_has_no_claimed_expiry() {
        for token in [
            "tok-dlc1-REQ-0123456789abcdef+/=".to_owned(),
            jwt(r#"{"sub":"no exp"}"#),
            jwt(r#"{"exp":"tomorrow"}"#),
            jwt(r#"[1,2]"#),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            "a.!!!.c".to_owned(),
            String::new(),
        ] {
            assert_eq!(jwt_expiry(&token), None, "{token}");
        }
    }
}

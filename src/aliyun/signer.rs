//! Request signatures exactly as Alibaba Cloud's official SDK computes them:
//! `v1` — ROA "acs" HMAC-SHA1 + base64; `v3` — ACS3-HMAC-SHA256.
//!
//! The functions here are pure: the clock and nonce are inputs, so every vector in
//! `tests/fixtures/gettoken-signatures.json` and `tests/fixtures/operation-signatures.json`
//! reproduces byte for byte.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Datelike, Timelike, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::ExposeSecret;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::credentials::Credentials;
use crate::config::SignatureVersion;

pub const API_VERSION: &str = "2020-12-03";
pub const ACCEPT: &str = "application/json";
/// Hex SHA-256 of the empty body every PAI-DLC request we send has.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986 unreserved characters stay; everything else is %XX (a space is `%20`, `*` is `%2A`).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Header names in lowercase → values; a `BTreeMap` gives the sorted order both schemes need.
pub type Headers = BTreeMap<String, String>;
/// Decoded query parameters, sorted by name.
pub type Query = BTreeMap<String, String>;

pub fn rfc3986(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// The query string as it goes on the wire (and into the v3 canonical request).
pub fn encode_query(query: &Query) -> String {
    let mut out = String::with_capacity(128);
    for (i, (k, v)) in query.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, RFC3986));
        out.push('=');
        out.extend(utf8_percent_encode(v, RFC3986));
    }
    out
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `date` header for v1: RFC 1123 in GMT. Formatted by hand: chrono's strftime parser is
/// the largest single cost of signing a request.
pub fn v1_date(now: DateTime<Utc>) -> String {
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[now.weekday().num_days_from_monday() as usize],
        now.day(),
        MONTHS[now.month0() as usize],
        now.year(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// `x-acs-date` header for v3.
pub fn v3_date(now: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        now.year(),
        now.month(),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// v1 string to sign: `METHOD\nACCEPT\nCONTENT-MD5\nCONTENT-TYPE\nDATE\n`, the `x-acs-*`
/// headers as `name:value\n` sorted by name, then the path and the sorted raw query
/// (`k=v`, or `k` alone for an empty value).
pub fn v1_string_to_sign(method: &str, path: &str, query: &Query, headers: &Headers) -> String {
    let header = |name: &str| headers.get(name).map(String::as_str).unwrap_or("");
    let mut s = String::with_capacity(512);
    for part in [
        method,
        header("accept"),
        header("content-md5"),
        header("content-type"),
        header("date"),
    ] {
        s.push_str(part);
        s.push('\n');
    }
    for (name, value) in headers.iter().filter(|(n, _)| n.starts_with("x-acs-")) {
        s.push_str(name);
        s.push(':');
        s.push_str(value);
        s.push('\n');
    }
    s.push_str(path);
    if !query.is_empty() {
        s.push('?');
        let mut first = true;
        for (k, v) in query {
            if !first {
                s.push('&');
            }
            first = false;
            s.push_str(k);
            if !v.is_empty() {
                s.push('=');
                s.push_str(v);
            }
        }
    }
    s
}

/// `Authorization: acs <AccessKeyId>:<base64 HMAC-SHA1(secret, string_to_sign)>`.
pub fn v1_authorization(access_key_id: &str, secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    format!(
        "acs {access_key_id}:{}",
        BASE64.encode(mac.finalize().into_bytes())
    )
}

/// v3 canonical request: method, path, encoded sorted query, `name:value\n` for each signed
/// header, the signed-header list, and the payload hash, joined by newlines.
/// `signed_headers` are `(lowercase name, value)` pairs sorted by name.
pub fn v3_canonical_request(
    method: &str,
    path: &str,
    query: &Query,
    signed_headers: &[(&str, &str)],
    payload_sha256: &str,
) -> String {
    let mut s = String::with_capacity(768);
    s.push_str(method);
    s.push('\n');
    s.push_str(path);
    s.push('\n');
    s.push_str(&encode_query(query));
    s.push('\n');
    for (name, value) in signed_headers {
        s.push_str(name);
        s.push(':');
        s.push_str(value.trim());
        s.push('\n');
    }
    s.push('\n');
    push_signed_header_list(&mut s, signed_headers);
    s.push('\n');
    s.push_str(payload_sha256);
    s
}

fn push_signed_header_list(out: &mut String, signed_headers: &[(&str, &str)]) {
    for (i, (name, _)) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
}

/// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`.
pub fn v3_authorization(
    access_key_id: &str,
    secret: &str,
    canonical_request: &str,
    signed_headers: &[(&str, &str)],
) -> String {
    let string_to_sign = format!(
        "{V3_ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    let mut auth = format!("{V3_ALGORITHM} Credential={access_key_id},SignedHeaders=");
    push_signed_header_list(&mut auth, signed_headers);
    auth.push_str(",Signature=");
    auth.push_str(&hex::encode(mac.finalize().into_bytes()));
    auth
}

/// Everything that varies between two requests, besides the credentials.
#[derive(Debug, Clone)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The operation's name, sent (and signed) as `x-acs-action`.
    pub action: &'a str,
    /// As it goes on the wire: any reserved character already percent-encoded.
    pub path: &'a str,
    /// `host[:port]` exactly as the `host` header will carry it.
    pub host: &'a str,
    pub query: &'a Query,
    pub now: DateTime<Utc>,
    pub nonce: &'a str,
    pub user_agent: &'a str,
}

/// Builds every header of a signed request, `authorization` included.
pub fn signed_headers(
    version: SignatureVersion,
    creds: &Credentials,
    parts: &RequestParts<'_>,
) -> Headers {
    let mut h = Headers::new();
    let mut set = |k: &str, v: &str| {
        h.insert(k.to_owned(), v.to_owned());
    };
    set("host", parts.host);
    set("accept", ACCEPT);
    set("user-agent", parts.user_agent);
    set("x-acs-signature-nonce", parts.nonce);
    set("x-acs-version", API_VERSION);
    set("x-acs-action", parts.action);
    if let Some(sts) = creds.security_token() {
        set("x-acs-accesskey-id", &creds.access_key_id);
        set("x-acs-security-token", sts.expose_secret());
    }
    let secret = creds.access_key_secret().expose_secret();
    match version {
        SignatureVersion::V1 => {
            set("date", &v1_date(parts.now));
            set("x-acs-signature-method", "HMAC-SHA1");
            set("x-acs-signature-version", "1.0");
            let sts = v1_string_to_sign(parts.method, parts.path, parts.query, &h);
            let auth = v1_authorization(&creds.access_key_id, secret, &sts);
            h.insert("authorization".into(), auth);
        }
        SignatureVersion::V3 => {
            set("x-acs-date", &v3_date(parts.now));
            set("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256);
            // host and x-acs-*: what both schemes require, and nothing a proxy might rewrite.
            let signed: Vec<(&str, &str)> = h
                .iter()
                .filter(|(n, _)| *n == "host" || n.starts_with("x-acs-"))
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let canonical = v3_canonical_request(
                parts.method,
                parts.path,
                parts.query,
                &signed,
                EMPTY_PAYLOAD_SHA256,
            );
            let auth = v3_authorization(&creds.access_key_id, secret, &canonical, &signed);
            h.insert("authorization".into(), auth);
        }
    }
    h
}

/// A fresh 32-hex-digit nonce; the server rejects a reused one.
pub fn random_nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_use_the_sdk_formats() {
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 1, 13, 57).unwrap();
        assert_eq!(v1_date(t), "Sat, 28 Nov 2026 01:13:57 GMT");
        assert_eq!(v3_date(t), "2026-11-28T01:13:57Z");
    }

    #[test]
    fn query_encoding_is_rfc3986() {
        assert_eq!(rfc3986("a b/c+d=é&x~*"), "a%20b%2Fc%2Bd%3D%C3%A9%26x~%2A");
        let q: Query = [("b".into(), "2".into()), ("a".into(), "x y".into())].into();
        assert_eq!(encode_query(&q), "a=x%20y&b=2");
    }

    #[test]
    fn v1_writes_empty_values_as_bare_keys() {
        let q: Query = [("Flag".into(), String::new()), ("A".into(), "1".into())].into();
        let s = v1_string_to_sign("GET", "/p", &q, &Headers::new());
        assert!(s.ends_with("/p?A=1&Flag"), "{s}");
        let s = v1_string_to_sign("GET", "/p", &Query::new(), &Headers::new());
        assert!(s.ends_with("\n/p"), "{s}");
    }

    #[test]
    fn nonces_do_not_repeat() {
        let a = random_nonce();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_nonce());
    }
}

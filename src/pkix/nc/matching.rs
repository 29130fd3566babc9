//! The per-form subtree tests of RFC 5280 §4.2.1.10, on plain strings and octets.

/// dNSName: `name` is `base` with zero or more labels added on the left, case-insensitively.
/// An empty base matches every name; a base with a leading dot matches strict subdomains.
pub fn dns(base: &str, name: &str) -> bool {
    let base = base.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    if base.starts_with('.') {
        return name.ends_with(&base);
    }
    name == base
        || name
            .strip_suffix(&base)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// rfc822Name: `a@host` matches that mailbox (host case-insensitive), `host` every mailbox at
/// host, `.domain` every mailbox at a host under domain. A name without `@` matches nothing.
pub fn rfc822(base: &str, name: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    if let Some((blocal, bhost)) = base.rsplit_once('@') {
        return blocal == local && bhost.eq_ignore_ascii_case(host);
    }
    host_matches(base, host)
}

/// `host` equals `base`, or for a `.domain` base lies strictly under domain.
fn host_matches(base: &str, host: &str) -> bool {
    // `evil.com.` is `evil.com` (the root label), for excluded subtrees as for permitted.
    let host = host.strip_suffix('.').unwrap_or(host);
    if base.starts_with('.') {
        host.len() > base.len()
            && host
                .to_ascii_lowercase()
                .ends_with(&base.to_ascii_lowercase())
    } else {
        host.eq_ignore_ascii_case(base)
    }
}

/// uniformResourceIdentifier: the URI's host against `host` or `.domain`; a URI without a
/// host (urn:, mailto:) matches nothing.
pub fn uri(base: &str, uri: &str) -> bool {
    match uri_host(uri) {
        Some(host) => host_matches(base, host),
        None => false,
    }
}

/// The host of `scheme://[userinfo@]host[:port][/...]`.
pub fn uri_host(uri: &str) -> Option<&str> {
    let (_scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split_once(']').map(|(h, _)| h)?
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then_some(host)
}

/// iPAddress: `base` is address then mask (8 or 32 octets), `name` 4 or 16 octets. None when
/// the constraint is malformed (wrong length or a non-contiguous mask): fail closed.
pub fn ip(base: &[u8], name: &[u8]) -> Option<bool> {
    if base.len() != 8 && base.len() != 32 {
        return None;
    }
    let (addr, mask) = base.split_at(base.len() / 2);
    let mut seen_zero = false;
    for bit in mask
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
    {
        if bit == 0 {
            seen_zero = true;
        } else if seen_zero {
            return None;
        }
    }
    if name.len() != addr.len() {
        return Some(false);
    }
    Some(
        addr.iter()
            .zip(mask)
            .zip(name)
            .all(|((a, m), n)| a & m == n & m),
    )
}

/// An address as text, for messages.
pub fn ip_text(octets: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(octets) {
        std::net::Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(octets) {
        std::net::Ipv6Addr::from(v6).to_string()
    } else {
        octets.iter().map(|b| format!("{b:02x}")).collect()
    }
}

//! Which address a request comes from, for the attempt limits: the TCP peer, unless the peer
//! is a reverse proxy the operator trusts (`REVOS_TRUSTED_PROXIES`), in which case the
//! client is read from `X-Forwarded-For`. Without trusted proxies the header is ignored: any
//! client can write it, so believing it would let an attacker pick a fresh address per guess
//! (or another person's address, to lock them out).

use ipnet::IpNet;
use std::net::IpAddr;

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses and networks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of IP addresses and CIDR networks, e.g.
    /// `10.0.0.0/8, 127.0.0.1, ::1`; empty means none. The error names the bad entry.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{p:?} is not an IP address or a CIDR network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the trusted proxies.
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind a request from `peer` carrying the `X-Forwarded-For` values
    /// `forwarded` (in header order). From an untrusted peer: the peer. From a trusted one:
    /// the right-most forwarded address that is not itself a trusted proxy (each proxy
    /// appends the address it saw, so everything left of that is the client's own say); when
    /// an entry is unreadable the walk stops at the last trusted hop, and when every entry is
    /// a trusted proxy the left-most one is taken.
    pub fn client(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = forwarded.iter().flat_map(|h| h.split(',')).rev();
        for hop in hops.map(str::trim).filter(|h| !h.is_empty()) {
            let Ok(ip) = hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_networks_and_names_the_bad_one() {
        let p = TrustedProxies::parse(" 10.0.0.0/8, 127.0.0.1 ,::1,").unwrap();
        assert!(p.trusts(ip("10.1.2.3")) && p.trusts(ip("127.0.0.1")) && p.trusts(ip("::1")));
        assert!(!p.trusts(ip("127.0.0.2")));
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
        let e = TrustedProxies::parse("10.0.0.1, proxy.local").unwrap_err();
        assert!(e.contains("proxy.local"), "{e}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let proxy = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let cases: &[(&TrustedProxies, &str, &[&str], &str)] = &[
            // Nobody trusted: the header is the client's own word, ignored.
            (&none, "127.0.0.1", &["203.0.113.7"], "127.0.0.1"),
            // An untrusted peer cannot speak for others.
            (&proxy, "198.51.100.1", &["203.0.113.7"], "198.51.100.1"),
            // Behind the proxy: the address it appended.
            (&proxy, "127.0.0.1", &["203.0.113.7"], "203.0.113.7"),
            // A spoofed left part is skipped: the right-most untrusted entry wins.
            (
                &proxy,
                "127.0.0.1",
                &["1.2.3.4, 203.0.113.7"],
                "203.0.113.7",
            ),
            // Chains of trusted proxies are walked through, across repeated headers.
            (
                &proxy,
                "127.0.0.1",
                &["1.2.3.4, 203.0.113.7", "10.0.0.5"],
                "203.0.113.7",
            ),
            // No header: the proxy itself.
            (&proxy, "127.0.0.1", &[], "127.0.0.1"),
            // Garbage stops the walk at the last trusted hop.
            (&proxy, "127.0.0.1", &["203.0.113.7, garbage"], "127.0.0.1"),
            // Only proxies in the chain: the left-most.
            (&proxy, "127.0.0.1", &["10.0.0.9, 10.0.0.5"], "10.0.0.9"),
            // IPv4-mapped IPv6 peers are the same addresses.
            (&proxy, "::ffff:127.0.0.1", &["203.0.113.7"], "203.0.113.7"),
        ];
        for (proxies, peer, xff, want) in cases {
            assert_eq!(proxies.client(ip(peer), xff), ip(want), "{peer} {xff:?}");
        }
    }
}

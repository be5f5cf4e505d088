//! The one guard for every URL a workspace can set (its model URL, external MCP HTTP servers,
//! outgoing webhooks): a workspace must not be able to make this server call into the
//! operator's own network (loopback services, the cloud metadata address, private hosts).
//!
//! A URL is checked twice: its text when it is saved ([`OutboundPolicy::check_url`], and
//! [`OutboundPolicy::check_resolved`] for a clear error naming the field), and the address
//! actually connected on every request and every redirect, through the client that
//! [`OutboundPolicy::client_builder`] makes: its resolver drops nothing silently but refuses a
//! name whose addresses include a forbidden one (so DNS rebinding between the check and the
//! connection fails), and its redirect policy refuses a redirect to a forbidden IP literal.
//! Responses are read with a size cap ([`read_capped`], [`capped_response`]).

use bytes::Bytes;
use futures::StreamExt;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why an outbound URL is refused. The message is safe to show to the workspace: it names
/// the rule, never what answered at the address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// Not parseable as an absolute URL.
    #[error("is not a valid URL")]
    Invalid,
    /// Not `http` or `https`.
    #[error("must use http or https")]
    Scheme,
    /// Carries `user:password@`.
    #[error("must not contain a user name or password")]
    UserInfo,
    /// Has no host.
    #[error("must name a host")]
    NoHost,
    /// The host is, or resolves to, an address the operator has not opened.
    #[error(
        "points to a private, loopback, link-local or otherwise internal address, which this instance does not allow"
    )]
    Forbidden,
    /// The name did not resolve.
    #[error("names a host that does not resolve")]
    Unresolvable,
}

/// Which internal addresses the operator opened to workspace URLs
/// (`REVOS_ALLOW_PRIVATE_URLS`): none (the default), all of them (`true`, e.g. for Ollama on
/// localhost), or a list of networks (`127.0.0.2/32,10.1.0.0/16`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PrivateUrls {
    /// Only public addresses.
    #[default]
    Refused,
    /// Any address.
    Allowed,
    /// Public addresses and these networks.
    Networks(Vec<IpNet>),
}

impl FromStr for PrivateUrls {
    type Err = String;

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), or a comma-separated list of networks or
    /// addresses.
    fn from_str(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => return Ok(Self::Refused),
            "true" | "1" | "yes" => return Ok(Self::Allowed),
            _ => {}
        }
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                IpNet::from_str(s)
                    .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
                    .map_err(|_| {
                        format!("`{s}` is not true, false, an IP address or a network (CIDR)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::Networks)
    }
}

/// The outbound-URL rule of this instance. Cheap to clone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    private: PrivateUrls,
}

/// Networks no workspace URL may reach unless the operator opens them.
const FORBIDDEN: &[&str] = &[
    "0.0.0.0/8",      // "this network", unspecified
    "10.0.0.0/8",     // private
    "100.64.0.0/10",  // CGNAT
    "127.0.0.0/8",    // loopback
    "169.254.0.0/16", // link-local, cloud metadata (169.254.169.254)
    "172.16.0.0/12",  // private
    "192.0.0.0/24",   // IETF protocol assignments
    "192.168.0.0/16", // private
    "198.18.0.0/15",  // benchmarking
    "224.0.0.0/4",    // multicast
    "240.0.0.0/4",    // reserved, broadcast
    "::/128",         // unspecified
    "::1/128",        // loopback
    "64:ff9b:1::/48", // local-use NAT64
    "fc00::/7",       // unique local (incl. fd00:ec2::254, a metadata address)
    "fe80::/10",      // link-local
    "ff00::/8",       // multicast
];

impl OutboundPolicy {
    /// A policy opening `private` internal addresses.
    pub fn new(private: PrivateUrls) -> Self {
        Self { private }
    }

    /// Whether a workspace URL may connect to `ip`.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match &self.private {
            PrivateUrls::Allowed => true,
            PrivateUrls::Networks(open) if open.iter().any(|n| n.contains(&ip)) => true,
            _ => is_public(ip),
        }
    }

    /// Checks a URL's text: absolute http(s), no user info, a host, and (when the host is an
    /// IP literal) an allowed address. Names are checked where they are resolved.
    pub fn check_url(&self, raw: &str) -> Result<reqwest::Url, OutboundError> {
        let url = reqwest::Url::parse(raw.trim()).map_err(|_| OutboundError::Invalid)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OutboundError::UserInfo);
        }
        match url.host() {
            None => Err(OutboundError::NoHost),
            Some(url::Host::Ipv4(ip)) if !self.allows_ip(ip.into()) => {
                Err(OutboundError::Forbidden)
            }
            Some(url::Host::Ipv6(ip)) if !self.allows_ip(ip.into()) => {
                Err(OutboundError::Forbidden)
            }
            Some(_) => Ok(url),
        }
    }

    /// [`check_url`](Self::check_url), then resolves the host and refuses it when any of its
    /// addresses is forbidden: the save-time check, so a bad URL fails with a clear error
    /// naming the field rather than at the first call.
    pub async fn check_resolved(&self, raw: &str) -> Result<reqwest::Url, OutboundError> {
        let url = self.check_url(raw)?;
        if let Some(url::Host::Domain(name)) = url.host() {
            self.resolve(name).await?;
        }
        Ok(url)
    }

    /// The addresses of `name` if every one of them is allowed.
    async fn resolve(&self, name: &str) -> Result<Vec<SocketAddr>, OutboundError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, 0))
            .await
            .map_err(|_| OutboundError::Unresolvable)?
            .collect();
        if addrs.is_empty() {
            return Err(OutboundError::Unresolvable);
        }
        if addrs.iter().any(|a| !self.allows_ip(a.ip())) {
            return Err(OutboundError::Forbidden);
        }
        Ok(addrs)
    }

    /// A reqwest client builder that enforces this policy on every connection: names resolve
    /// only to allowed addresses, redirects to forbidden IP literals and non-http(s) schemes
    /// are refused (at most 5 hops), and no environment proxy is used (it would resolve names
    /// itself). Requests to IP-literal URLs must still pass [`check_url`](Self::check_url)
    /// first; [`OutboundPolicy::check_request`] does that for a built request.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let resolver = Arc::new(GuardedResolver {
            policy: self.clone(),
        });
        let policy = self.clone();
        reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(resolver)
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= 5 {
                    return attempt.error("too many redirects");
                }
                match policy.check_url(attempt.url().as_str()) {
                    Ok(_) => attempt.follow(),
                    Err(e) => attempt.error(format!("redirect refused: the target {e}")),
                }
            }))
    }

    /// Checks a built request's URL before it is sent (the resolver only sees names).
    pub fn check_request(&self, request: &reqwest::Request) -> Result<(), OutboundError> {
        self.check_url(request.url().as_str()).map(|_| ())
    }
}

/// IPv4-mapped and IPv4-compatible IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                if s[..6] == [0, 0, 0, 0, 0, 0] && !(s[6] == 0 && s[7] <= 1) {
                    IpAddr::V4(std::net::Ipv4Addr::new(
                        (s[6] >> 8) as u8,
                        s[6] as u8,
                        (s[7] >> 8) as u8,
                        s[7] as u8,
                    ))
                } else {
                    ip
                }
            }
        },
        v4 => v4,
    }
}

/// Whether `ip` is outside every internal network (loopback, private, link-local, CGNAT,
/// multicast, unspecified, reserved, the metadata addresses).
pub fn is_public(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    !forbidden_networks().iter().any(|n| n.contains(&ip))
}

/// [`FORBIDDEN`] parsed once, not on every address checked.
fn forbidden_networks() -> &'static [IpNet] {
    static NETWORKS: std::sync::LazyLock<Vec<IpNet>> = std::sync::LazyLock::new(|| {
        FORBIDDEN
            .iter()
            .map(|n| IpNet::from_str(n).expect("FORBIDDEN holds valid networks"))
            .collect()
    });
    &NETWORKS
}

/// The resolver of guarded clients: a name resolves only if all of its addresses are allowed.
struct GuardedResolver {
    policy: OutboundPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = policy.resolve(&name).await.map_err(|e| {
                Box::new(GuardError(format!("{name} {e}")))
                    as Box<dyn std::error::Error + Send + Sync>
            })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct GuardError(String);

/// A response body larger than the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the answer is larger than {limit} bytes")]
pub struct TooLarge {
    /// The cap, in bytes.
    pub limit: usize,
}

/// Why reading a body failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Over the cap; reading stopped there.
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// The transfer failed (including the client's total timeout).
    #[error("reading the answer failed: {0}")]
    Transfer(#[source] reqwest::Error),
}

/// Reads a whole body, stopping with [`TooLarge`] as soon as it passes `limit` bytes (a
/// declared `Content-Length` over the cap fails before anything is read).
pub async fn read_capped(resp: reqwest::Response, limit: usize) -> Result<Bytes, ReadError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(TooLarge { limit }.into());
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ReadError::Transfer(e.without_url()))?;
        if body.len() + chunk.len() > limit {
            return Err(TooLarge { limit }.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// The same response with a body that fails with [`TooLarge`] once more than `limit` bytes
/// have passed: for readers that consume the response themselves (streams, SDKs).
pub fn capped_response(resp: reqwest::Response, limit: usize) -> reqwest::Response {
    capped_response_flagged(resp, limit, Arc::default())
}

/// [`capped_response`] that also raises `overflow` when the cap is passed: for readers (such
/// as async-openai's SSE parser) that report a broken body as text only, so the caller can
/// still tell that the cap was the cause.
pub fn capped_response_flagged(
    resp: reqwest::Response,
    limit: usize,
    overflow: Arc<AtomicBool>,
) -> reqwest::Response {
    let status = resp.status();
    let version = resp.version();
    let headers = resp.headers().clone();
    let mut seen = 0usize;
    let body = resp.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
        seen += chunk.len();
        if seen > limit {
            overflow.store(true, Ordering::SeqCst);
            return Err(Box::new(TooLarge { limit }) as Box<dyn std::error::Error + Send + Sync>);
        }
        Ok(chunk)
    });
    let mut builder = http::Response::builder().status(status).version(version);
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    let resp = builder
        .body(reqwest::Body::wrap_stream(body))
        .expect("status, version and headers come from a valid response");
    reqwest::Response::from(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip(s)), "{s} must be refused");
        }
        for s in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(s)), "{s} is public");
        }
    }

    #[test]
    fn url_text_rules() {
        let p = OutboundPolicy::default();
        assert_eq!(
            p.check_url("ftp://example.com").unwrap_err(),
            OutboundError::Scheme
        );
        assert_eq!(
            p.check_url("file:///etc/passwd").unwrap_err(),
            OutboundError::Scheme
        );
        assert_eq!(
            p.check_url("https://u:p@example.com/v1").unwrap_err(),
            OutboundError::UserInfo
        );
        assert_eq!(
            p.check_url("not a url").unwrap_err(),
            OutboundError::Invalid
        );
        for bad in [
            "http://127.0.0.1:8080/v1",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:7f00:1]/",
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            assert_eq!(
                p.check_url(bad).unwrap_err(),
                OutboundError::Forbidden,
                "{bad}"
            );
        }
        assert!(p.check_url("https://api.openai.com/v1").is_ok());
    }

    #[test]
    fn the_operator_opens_all_or_some_networks() {
        let all = OutboundPolicy::new("true".parse().unwrap());
        assert!(all.check_url("http://127.0.0.1:11434/v1").is_ok());
        let some = OutboundPolicy::new("127.0.0.2/32, 10.0.0.0/8".parse().unwrap());
        assert!(some.check_url("http://127.0.0.2:9/").is_ok());
        assert!(some.check_url("http://10.9.9.9/").is_ok());
        assert_eq!(
            some.check_url("http://127.0.0.1/").unwrap_err(),
            OutboundError::Forbidden
        );
        assert_eq!(
            "false".parse::<PrivateUrls>().unwrap(),
            PrivateUrls::Refused
        );
        assert!("maybe".parse::<PrivateUrls>().is_err());
    }

    #[tokio::test]
    async fn names_resolving_inside_are_refused() {
        let p = OutboundPolicy::default();
        assert_eq!(
            p.check_resolved("http://localhost:1/").await.unwrap_err(),
            OutboundError::Forbidden
        );
        let open = OutboundPolicy::new(PrivateUrls::Allowed);
        assert!(open.check_resolved("http://localhost:1/").await.is_ok());
    }

    #[tokio::test]
    async fn a_guarded_client_cannot_reach_loopback_by_name() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = OutboundPolicy::default().client_builder().build().unwrap();
        let err = client
            .get(format!("http://localhost:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect() || err.is_request(), "{err:?}");
    }
}

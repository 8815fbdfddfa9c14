//! `toex certs`, `toex keys` and `toex token`: development credentials. `certs` writes a
//! federation CA with certificates for the hub and each node; `keys` writes the dev token
//! issuer's keys and the hub's delegation keys; `token` mints an access token from the dev
//! issuer's key. None of this is for production: a real deployment uses its own CA and identity
//! provider (see deploy/README.md).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use toex_common::regions::REGIONS;
use toex_security::dev::{
    DEV_AUDIENCE, DEV_ISSUER, DevSigningKey, DevTokenRequest, ISSUER_SIGNING_KEY_FILE, generate_delegation_keys,
    generate_issuer_keys, mint_token,
};
use toex_tls::{Validity, generate_federation_pki};

use crate::exit::{self, CallerError};

#[derive(Args, Debug)]
pub struct CertsArgs {
    /// Directory to write the CA, hub and node certificates into.
    #[arg(long)]
    pub out: PathBuf,
    /// Regions to make node certificates for (comma-separated codes) [default: all ten].
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Days the certificates stay valid.
    #[arg(long, default_value_t = 90)]
    pub days: u64,
}

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// Directory to write the dev issuer's and the hub's delegation keys into.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    /// Directory written by `toex keys` (or the demo's `toex-demo/security/keys`).
    #[arg(long, default_value = "toex-demo/security/keys")]
    pub keys: PathBuf,
    /// Role(s) of the caller: national_analyst, regional_analyst, intel_officer, data_analyst, auditor, system.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// The caller's home region (ROCU code).
    #[arg(long)]
    pub home_region: Option<String>,
    /// Highest classification the caller may see: OFFICIAL, OFFICIAL-SENSITIVE or SECRET.
    #[arg(long, default_value = "OFFICIAL-SENSITIVE")]
    pub clearance: String,
    /// Subject (user id) of the caller.
    #[arg(long, default_value = "dev-analyst")]
    pub subject: String,
    /// Display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Minutes until the token expires (at most 720).
    #[arg(long, default_value_t = 60)]
    pub minutes: u64,
}

pub fn certs(args: &CertsArgs) -> anyhow::Result<u8> {
    let regions: Vec<&str> = if args.regions.is_empty() {
        REGIONS.iter().map(|region| region.code).collect()
    } else {
        args.regions.iter().map(String::as_str).collect()
    };
    if let Some(unknown) = regions.iter().find(|code| toex_common::regions::region_by_code(code).is_none()) {
        return Err(CallerError(format!("--regions: unknown region code {unknown:?}")).into());
    }
    if args.days == 0 {
        return Err(CallerError("--days must be at least 1".to_owned()).into());
    }
    let validity = Validity::from_now(Duration::from_secs(args.days * 24 * 60 * 60));
    let paths = generate_federation_pki(&args.out, &regions, validity)?;
    println!("development PKI written to {} (not for production):", args.out.display());
    println!("  CA          {}", paths.ca.cert.display());
    println!("  hub         {} (spiffe://toex.federation/hub)", paths.hub.cert.display());
    println!("  hub public  {} (localhost)", paths.hub_public.cert.display());
    for (region, node) in &paths.nodes {
        println!("  node        {} (spiffe://toex.federation/node/{region})", node.cert.display());
    }
    Ok(exit::COMPLETE)
}

pub fn keys(args: &KeysArgs) -> anyhow::Result<u8> {
    let issuer = generate_issuer_keys(&args.out)?;
    let delegation = generate_delegation_keys(&args.out)?;
    println!("development keys written to {} (not for production):", args.out.display());
    println!(
        "  dev token issuer  {} (kid {}), JWKS {}",
        issuer.signing_key.display(),
        issuer.kid,
        issuer.jwks.display()
    );
    println!("  hub delegation    {} (public: {})", delegation.signing_key.display(), delegation.public_key.display());
    Ok(exit::COMPLETE)
}

pub fn token(args: &TokenArgs) -> anyhow::Result<u8> {
    let key_file = args.keys.join(ISSUER_SIGNING_KEY_FILE);
    let key = DevSigningKey::from_file(&key_file)
        .map_err(|error| CallerError(format!("--keys: cannot use {}: {error}", key_file.display())))?;
    let request = DevTokenRequest {
        subject: args.subject.clone(),
        name: args.name.clone(),
        home_region: args.home_region.clone(),
        roles: args.roles.clone(),
        clearance: Some(args.clearance.clone()),
        issuer: DEV_ISSUER.to_owned(),
        audience: DEV_AUDIENCE.to_owned(),
        lifetime: Duration::from_secs(args.minutes.saturating_mul(60)),
    };
    let token = mint_token(&key, &request).map_err(|error| CallerError(format!("cannot mint the token: {error}")))?;
    println!("{token}");
    Ok(exit::COMPLETE)
}

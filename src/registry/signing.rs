//! Optional Ed25519 signatures over the canonical manifest.
//!
//! The signed bytes are [`Manifest::signing_bytes`]: canonical JSON of the manifest without its
//! `signature` field, so formatting changes by a CDN or an editor do not break verification but
//! any change of content does. Keys and signatures are lowercase hex (32-byte keys, 64-byte
//! signatures). The page supplies the public key it trusts; the key written in the manifest is
//! informational only (trusting it would let an attacker sign with their own key).

use super::hash::{hex, unhex};
use super::manifest::{Manifest, Signature};
use crate::error::{Error, Result};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

fn sig_error(reason: impl Into<String>) -> Error {
    Error::Signature {
        reason: reason.into(),
    }
}

fn key_bytes(hex_key: &str, what: &str) -> Result<[u8; 32]> {
    unhex(hex_key.trim())
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| {
            Error::invalid_argument(what, "must be 64 hex digits (a 32-byte Ed25519 key)")
        })
}

/// A new key pair from 32 bytes of randomness (the caller brings the entropy: the core has none).
/// Returns `(secret_hex, public_hex)`.
pub fn keypair_from_seed(seed: [u8; 32]) -> (String, String) {
    let sk = SigningKey::from_bytes(&seed);
    (hex(&sk.to_bytes()), hex(sk.verifying_key().as_bytes()))
}

/// The public key of a hex secret key.
pub fn public_key(secret_hex: &str) -> Result<String> {
    let sk = SigningKey::from_bytes(&key_bytes(secret_hex, "secret key")?);
    Ok(hex(sk.verifying_key().as_bytes()))
}

/// Signs the manifest in place (replacing any previous signature).
pub fn sign(manifest: &mut Manifest, secret_hex: &str) -> Result<()> {
    let sk = SigningKey::from_bytes(&key_bytes(secret_hex, "secret key")?);
    manifest.signature = None;
    let sig = sk.sign(&manifest.signing_bytes()?);
    manifest.signature = Some(Signature {
        alg: "ed25519".into(),
        public_key: Some(hex(sk.verifying_key().as_bytes())),
        value: hex(&sig.to_bytes()),
    });
    Ok(())
}

/// Verifies the manifest's signature with the trusted `public_hex` key.
pub fn verify(manifest: &Manifest, public_hex: &str) -> Result<()> {
    let key = key_bytes(public_hex, "public key")?;
    let vk =
        VerifyingKey::from_bytes(&key).map_err(|e| sig_error(format!("bad public key: {e}")))?;
    let sig = manifest
        .signature
        .as_ref()
        .ok_or_else(|| sig_error("the manifest is not signed but a public key was given"))?;
    if sig.alg != "ed25519" {
        return Err(sig_error(format!("unsupported algorithm {}", sig.alg)));
    }
    let bytes = unhex(&sig.value)
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| sig_error("the signature is not 128 hex digits"))?;
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    vk.verify(&manifest.signing_bytes()?, &signature)
        .map_err(|_| {
            sig_error("the signature does not match the manifest content and the trusted key")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let sha = "c".repeat(64);
        Manifest::from_value(serde_json::json!({
            "schema": "mlcycle.manifest/1",
            "models": {"m": {"aliases": {"production": "1.0.0"}, "versions": {
                "1.0.0": {"artifacts": {"model": {"url": "m.onnx", "sha256": sha, "size": 1}}}
            }}}
        }))
        .unwrap()
    }

    #[test]
    fn sign_then_verify_and_tampering_fails() {
        let (sk, pk) = keypair_from_seed([7; 32]);
        assert_eq!(public_key(&sk).unwrap(), pk);
        let mut m = manifest();
        sign(&mut m, &sk).unwrap();
        verify(&m, &pk).unwrap();
        // Reformatting does not matter: parse → pretty print → parse.
        let again = Manifest::from_slice(m.to_json_pretty().unwrap().as_bytes()).unwrap();
        verify(&again, &pk).unwrap();
        // A content change does.
        let mut tampered = m.clone();
        tampered
            .models
            .get_mut("m")
            .unwrap()
            .versions
            .get_mut("1.0.0")
            .unwrap()
            .artifacts
            .get_mut("model")
            .unwrap()
            .size = 2;
        assert_eq!(verify(&tampered, &pk).unwrap_err().code(), "E_SIGNATURE");
        // Another key does.
        let (_, other) = keypair_from_seed([8; 32]);
        assert_eq!(verify(&m, &other).unwrap_err().code(), "E_SIGNATURE");
        // An unsigned manifest with a key given does.
        assert_eq!(verify(&manifest(), &pk).unwrap_err().code(), "E_SIGNATURE");
        assert_eq!(verify(&m, "zz").unwrap_err().code(), "E_INVALID_ARGUMENT");
    }
}

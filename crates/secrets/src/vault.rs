//! The encrypted vault file for machines without a keychain: each value sealed with
//! AES-256-GCM (a fresh random nonce, the name as associated data so a value cannot be moved
//! to another name), under a key from Argon2id over a passphrase or a 0600 machine key file.

use crate::{Result, SecretsError, Zeroizing, io, write_private};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The vault file in the state dir.
pub const VAULT_FILE: &str = "secrets.vault";
/// The machine key file (used when no passphrase protects the vault).
pub const KEY_FILE: &str = "secrets.key";
const CHECK_AAD: &[u8] = b"tidepool-vault-check";
const CHECK: &[u8] = b"tidepool";
// OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(tag = "alg", rename_all = "kebab-case")]
enum Kdf {
    #[serde(rename_all = "camelCase")]
    Argon2id {
        m_cost: u32,
        t_cost: u32,
        p_cost: u32,
        salt: String,
    },
    #[serde(rename_all = "camelCase")]
    MachineKey { key_file: String },
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct VaultFile {
    version: u32,
    kdf: Kdf,
    check: Sealed,
    entries: BTreeMap<String, Sealed>,
}

pub(crate) struct Vault {
    path: PathBuf,
    dir: PathBuf,
    key: Zeroizing<[u8; 32]>,
    file: VaultFile,
    /// Not on disk yet: the key file and the vault are written with the first secret.
    fresh: bool,
}

#[allow(clippy::disallowed_methods)] // Key and nonce bytes: the failure is reported, not an abort.
fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| SecretsError::Keychain(format!("no randomness: {e}")))?;
    Ok(b)
}

fn corrupt(path: &Path, why: impl std::fmt::Display) -> SecretsError {
    SecretsError::Corrupt {
        path: path.to_path_buf(),
        why: why.to_string(),
    }
}

fn derive(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<Zeroizing<[u8; 32]>> {
    let params =
        argon2::Params::new(m, t, p, Some(32)).map_err(|e| SecretsError::InvalidValue {
            name: "kdf".into(),
            why: e.to_string(),
        })?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| SecretsError::InvalidValue {
            name: "kdf".into(),
            why: e.to_string(),
        })?;
    Ok(key)
}

fn seal(key: &[u8; 32], aad: &[u8], msg: &[u8]) -> Result<Sealed> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| corrupt(Path::new("key"), e))?;
    let nonce = random::<12>()?;
    let data = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad })
        .map_err(|_| corrupt(Path::new("key"), "encryption failed"))?;
    Ok(Sealed {
        nonce: B64.encode(nonce),
        data: B64.encode(data),
    })
}

/// `None` when the key or the data is wrong (GCM's tag does not verify).
fn open_sealed(key: &[u8; 32], aad: &[u8], s: &Sealed) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let nonce = B64.decode(&s.nonce).ok().filter(|n| n.len() == 12)?;
    let data = B64.decode(&s.data).ok()?;
    cipher
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: &data, aad })
        .ok()
        .map(Zeroizing::new)
}

fn aad(name: &str) -> Vec<u8> {
    format!("tidepool-secret:{name}").into_bytes()
}

impl Vault {
    pub(crate) fn open(dir: &Path, passphrase: Option<Zeroizing<String>>) -> Result<Vault> {
        let path = dir.join(VAULT_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let file: VaultFile =
                    serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, e))?;
                if file.version != 1 {
                    return Err(corrupt(&path, format!("unknown version {}", file.version)));
                }
                let key = match &file.kdf {
                    Kdf::Argon2id {
                        m_cost,
                        t_cost,
                        p_cost,
                        salt,
                    } => {
                        let pw = passphrase.ok_or(SecretsError::Locked)?;
                        let salt = B64.decode(salt).map_err(|e| corrupt(&path, e))?;
                        derive(&pw, &salt, *m_cost, *t_cost, *p_cost)?
                    }
                    Kdf::MachineKey { key_file } => {
                        let kp = dir.join(key_file);
                        let raw = Zeroizing::new(std::fs::read(&kp).map_err(|e| io(&kp, e))?);
                        let arr: [u8; 32] = raw
                            .as_slice()
                            .try_into()
                            .map_err(|_| corrupt(&kp, "a machine key is 32 bytes"))?;
                        Zeroizing::new(arr)
                    }
                };
                if open_sealed(&key, CHECK_AAD, &file.check)
                    .as_deref()
                    .map(Vec::as_slice)
                    != Some(CHECK)
                {
                    return Err(match file.kdf {
                        Kdf::Argon2id { .. } => SecretsError::WrongPassphrase(path),
                        Kdf::MachineKey { .. } => {
                            corrupt(&path, "the machine key does not open it")
                        }
                    });
                }
                Ok(Vault {
                    path,
                    dir: dir.to_path_buf(),
                    key,
                    file,
                    fresh: false,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (kdf, key) = match passphrase {
                    Some(pw) => {
                        let salt = random::<16>()?;
                        let key = derive(&pw, &salt, M_COST, T_COST, P_COST)?;
                        let kdf = Kdf::Argon2id {
                            m_cost: M_COST,
                            t_cost: T_COST,
                            p_cost: P_COST,
                            salt: B64.encode(salt),
                        };
                        (kdf, key)
                    }
                    None => (
                        Kdf::MachineKey {
                            key_file: KEY_FILE.into(),
                        },
                        Zeroizing::new(random::<32>()?),
                    ),
                };
                let check = seal(&key, CHECK_AAD, CHECK)?;
                let file = VaultFile {
                    version: 1,
                    kdf,
                    check,
                    entries: BTreeMap::new(),
                };
                Ok(Vault {
                    path,
                    dir: dir.to_path_buf(),
                    key,
                    file,
                    fresh: true,
                })
            }
            Err(e) => Err(io(&path, e)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>> {
        let Some(s) = self.file.entries.get(name) else {
            return Ok(None);
        };
        let plain = open_sealed(&self.key, &aad(name), s).ok_or_else(|| {
            corrupt(
                &self.path,
                format!("the value of {name:?} does not decrypt"),
            )
        })?;
        String::from_utf8(plain.to_vec())
            .map(|v| Some(Zeroizing::new(v)))
            .map_err(|_| corrupt(&self.path, format!("the value of {name:?} is not text")))
    }

    pub(crate) fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let sealed = seal(&self.key, &aad(name), value.as_bytes())?;
        self.file.entries.insert(name.to_owned(), sealed);
        self.save()
    }

    pub(crate) fn delete(&mut self, name: &str) -> Result<bool> {
        let existed = self.file.entries.remove(name).is_some();
        if existed {
            self.save()?;
        }
        Ok(existed)
    }

    fn save(&mut self) -> Result<()> {
        if self.fresh {
            if let Kdf::MachineKey { key_file } = &self.file.kdf {
                write_private(&self.dir.join(key_file), self.key.as_ref())?;
            }
            self.fresh = false;
        }
        let bytes = serde_json::to_vec_pretty(&self.file).map_err(|e| io(&self.path, e))?;
        write_private(&self.path, &bytes)
    }
}

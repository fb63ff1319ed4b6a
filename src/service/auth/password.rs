//! Password hashes: argon2id with the crate's default cost, in PHC string form (the
//! parameters travel with the hash, so raising the cost later keeps old hashes valid).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::secret::random_bytes;

/// The shortest password the service accepts.
pub const MIN_LENGTH: usize = 10;

/// Runs password hashing work (`hash`, `verify`) off the async workers, on a few
/// threads of its own (one per core), in turn.
///
/// Each argon2 hash takes tens of milliseconds of CPU and 19 MiB of memory. On tokio's
/// blocking threads, 30 logins at once left the service holding 600 MB: every thread
/// that ever hashed kept its 19 MiB in its own allocator arena, and a flood of logins
/// could have exhausted the server's memory. Always the same few threads means at most
/// that many hashes' memory, reused, and a flood waits its turn.
pub async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    HASHERS.send(job).map_err(|_| "password hashing: its threads are gone".to_string())?;
    result.await.map_err(|_| "password hashing: the work panicked".to_string())
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads' queue.
static HASHERS: std::sync::LazyLock<std::sync::mpsc::Sender<Job>> = std::sync::LazyLock::new(|| {
    return_large_blocks();
    let (send, receive) = std::sync::mpsc::channel::<Job>();
    let receive = std::sync::Arc::new(std::sync::Mutex::new(receive));
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    for i in 0..threads {
        let receive = receive.clone();
        std::thread::Builder::new()
            .name(format!("password-{i}"))
            .spawn(move || {
                loop {
                    // The lock is held only while taking the next job, not while it runs.
                    let job = match receive.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking hash must not take the thread (and its turn) along.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                }
            })
            .expect("start a password hashing thread");
    }
    send
});

/// glibc's allocator raises its threshold for serving allocations straight from the
/// system after the first large block is freed; from then on every thread's arena keeps
/// the 19 MiB of a hash when it is freed (measured: 280 MB after 150 logins, through
/// only two hashing threads). A fixed threshold hands each hash's memory back when it
/// is done.
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; called before hashing starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

/// Hashes a password with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| format!("make salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("hash password: {e}"))
}

/// Whether `password` matches `stored`. With no stored hash (an unknown user, or one
/// who has no password yet) a dummy hash is still checked, so the answer takes as long
/// either way and does not tell which usernames exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a password anyone has").unwrap_or_default());
    let (phc, real) = match stored {
        Some(stored) => (stored, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// A first password for an account: 20 characters from an alphabet without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // 256 is not a multiple of the alphabet's size; dropping the top bytes keeps every
    // character equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::new();
    while out.len() < 20 {
        for byte in random_bytes::<32>() {
            if (byte as usize) < limit && out.len() < 20 {
                out.push(ALPHABET[byte as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Refuses a password too short to resist guessing.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("password must have at least {MIN_LENGTH} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let stored = hash("correct horse battery").expect("hash");
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("wrong horse battery", Some(&stored)));
    }

    #[test]
    fn no_stored_hash_never_verifies() {
        assert!(!verify("not a password anyone has", None));
    }

    #[test]
    fn random_passwords_are_long_enough() {
        let password = random_password();
        assert_eq!(password.len(), 20);
        assert!(check_strength(&password).is_ok());
        assert!(check_strength("short").is_err());
    }
}

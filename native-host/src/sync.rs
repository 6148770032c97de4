//! Small concurrency helpers the click path and the credential sources share: a mutex per
//! key (one open per role, one MFA exchange per gateway, ordered background writes per
//! keyring entry) and running blocking calls off the async threads.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An async mutex per key, made on first use.
#[derive(Debug, Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    pub fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(key.to_owned()).or_default().clone()
    }

    /// Waits until no lock is held: every background job holding one has finished.
    pub async fn settle(&self) {
        let all: Vec<_> = self
            .locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for lock in all {
            drop(lock.lock().await);
        }
    }
}

/// Runs a blocking call (the keyring, a file) on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_lock_per_key_and_settle_waits_for_holders() {
        let locks = Arc::new(KeyedLocks::default());
        assert!(Arc::ptr_eq(&locks.get("a"), &locks.get("a")));
        assert!(!Arc::ptr_eq(&locks.get("a"), &locks.get("b")));
        let held = locks.get("a").lock_owned().await;
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (l, d) = (locks.clone(), done.clone());
        let waiter = tokio::spawn(async move {
            l.settle().await;
            d.load(std::sync::atomic::Ordering::SeqCst)
        });
        tokio::task::yield_now().await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        drop(held);
        assert!(
            waiter.await.unwrap(),
            "settle returned before the holder let go"
        );
    }
}

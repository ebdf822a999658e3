//! The one way the async side runs store work: on tokio's blocking threads, with a task
//! that failed or panicked turned into [`StoreError::Task`].
//!
//! rusqlite blocks, so every query and write from an async task goes through here; one
//! helper means one answer to "what if the task itself failed", instead of one per caller.

use super::StoreError;

/// Runs `work` on a blocking thread and returns its result. A task that panicked or was
/// cancelled (the runtime shutting down) becomes `StoreError::Task`, converted into the
/// caller's error type like any other store error.
pub async fn blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => Err(E::from(StoreError::Task(error.to_string()))),
    }
}

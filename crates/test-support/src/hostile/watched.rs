//! A value that threads wait on (condition variable) and futures wait on (wakers): the hostile server's shared state with blocking and async waits.

use std::future::Future;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// A value guarded by a mutex that threads wait on (condvar) and futures wait on (wakers).
pub(super) struct Watched<T> {
    inner: Mutex<(T, Vec<Waker>)>,
    changed: Condvar,
}

impl<T> Watched<T> {
    pub(super) fn new(value: T) -> Self {
        Watched {
            inner: Mutex::new((value, Vec::new())),
            changed: Condvar::new(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, (T, Vec<Waker>)> {
        // A panicking script must not poison the server for the test that reports it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.lock().0)
    }

    pub(super) fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = self.lock();
        let result = f(&mut guard.0);
        for waker in guard.1.drain(..) {
            waker.wake();
        }
        drop(guard);
        self.changed.notify_all();
        result
    }

    /// Waits until `check` returns `Some`, panicking with `what` after `limit`.
    pub(super) fn wait<R>(
        &self,
        limit: Duration,
        what: &str,
        mut check: impl FnMut(&mut T) -> Option<R>,
    ) -> R {
        let deadline = Instant::now() + limit;
        let mut guard = self.lock();
        loop {
            if let Some(result) = check(&mut guard.0) {
                return result;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out after {limit:?} waiting for {what}"
            );
            guard = self
                .changed
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The same wait as a future that never blocks its executor's thread.
    pub(super) fn wait_async<'a, R>(
        &'a self,
        mut check: impl FnMut(&mut T) -> Option<R> + 'a,
    ) -> impl Future<Output = R> + 'a {
        std::future::poll_fn(move |cx| {
            let mut guard = self.lock();
            match check(&mut guard.0) {
                Some(result) => Poll::Ready(result),
                None => {
                    // Registered under the same lock `update` takes, so no change is missed.
                    guard.1.push(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

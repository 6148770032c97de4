//! The native-messaging frame decoder, fed an arbitrary stdin.
//!
//! Invariants: no single allocation while reading exceeds MAX_FRAME_LEN (a declared
//! length is checked before the body buffer exists); every frame read re-encodes to exactly
//! the bytes it was read from; and each way a stream can end is reported as what it is
//! (clean end only between frames, `Truncated` with the true counts, `TooLarge` with the
//! declared length and the body left unread).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolecall::protocol::framing::{encode_frame, read_frame, FrameError, MAX_FRAME_LEN};
use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};

/// The system allocator, noting the largest single request since the last reset.
struct Tracking;
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOC: Tracking = Tracking;

/// Reading from a byte slice is always ready, so one poll finishes the future.
fn now<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("read_frame waited on an in-memory stream"),
    }
}

fn declared(header: &[u8]) -> usize {
    u32::from_ne_bytes(header[..4].try_into().unwrap()) as usize
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    loop {
        let before = rest;
        LARGEST.store(0, Relaxed);
        let got = now(read_frame(&mut rest));
        let largest = LARGEST.load(Relaxed);
        assert!(
            largest <= MAX_FRAME_LEN,
            "reading one frame allocated {largest} bytes at once"
        );
        match got {
            Ok(Some(body)) => {
                let used = before.len() - rest.len();
                assert!(body.len() <= MAX_FRAME_LEN);
                assert_eq!(
                    encode_frame(&body).expect("a frame read is within the cap"),
                    &before[..used],
                    "the frame does not re-encode to the bytes it came from"
                );
            }
            Ok(None) => {
                assert!(
                    before.is_empty(),
                    "clean end reported with {} bytes left",
                    before.len()
                );
                break;
            }
            Err(FrameError::Truncated { got, want }) => {
                if before.len() < 4 {
                    assert_eq!((got, want), (before.len(), 4));
                } else {
                    assert_eq!((got, want), (before.len() - 4, declared(before)));
                }
                assert!(got < want && rest.is_empty());
                break;
            }
            Err(FrameError::TooLarge(n)) => {
                assert!(before.len() >= 4);
                assert_eq!(n, declared(before));
                assert!(n > MAX_FRAME_LEN);
                assert_eq!(rest, &before[4..], "the oversized body must stay unread");
                break;
            }
            Err(FrameError::Io(e)) => panic!("reading a byte slice failed: {e}"),
        }
    }
});

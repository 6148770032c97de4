//! Native-messaging frames: a 4-byte length in native byte order, then that many bytes of
//! UTF-8 JSON. The length is read and checked before anything is allocated.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest frame either side may send. Browsers close the port for host messages over
/// 1 MiB (MDN "Native messaging", Chrome "Native messaging protocol"); we hold incoming
/// frames to the same cap, which is far above any real request.
pub const MAX_FRAME_LEN: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer closed the stream part-way through a frame.
    #[error("the stream ended inside a frame ({got} of {want} bytes)")]
    Truncated { got: usize, want: usize },
    /// The declared length is over [`MAX_FRAME_LEN`]; the body was not read.
    #[error("a frame of {0} bytes is over the {MAX_FRAME_LEN}-byte limit")]
    TooLarge(usize),
    #[error("i/o error on the native-messaging stream: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads one frame body. `Ok(None)` is a clean end of stream between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 4];
    let got = read_full(r, &mut header).await?;
    if got == 0 {
        return Ok(None);
    }
    if got < header.len() {
        return Err(FrameError::Truncated { got, want: 4 });
    }
    let len = u32::from_ne_bytes(header) as usize;
    if len > MAX_FRAME_LEN {
        return Err(FrameError::TooLarge(len));
    }
    let mut body = vec![0u8; len];
    let got = read_full(r, &mut body).await?;
    if got < len {
        return Err(FrameError::Truncated { got, want: len });
    }
    Ok(Some(body))
}

/// Reads until `buf` is full or the stream ends; returns how many bytes were read.
async fn read_full<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Encodes one frame. Refuses bodies over the cap rather than sending what the browser
/// would drop along with the whole port.
pub fn encode_frame(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    if body.len() > MAX_FRAME_LEN {
        return Err(FrameError::TooLarge(body.len()));
    }
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_ne_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// Writes one frame and flushes it, so the browser sees it at once.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, body: &[u8]) -> Result<(), FrameError> {
    let frame = encode_frame(body)?;
    w.write_all(&frame).await?;
    w.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        encode_frame(body).unwrap()
    }

    async fn read_all(bytes: Vec<u8>) -> Vec<Result<Option<Vec<u8>>, String>> {
        let mut r = &bytes[..];
        let mut out = Vec::new();
        loop {
            let next = read_frame(&mut r).await.map_err(|e| e.to_string());
            let stop = !matches!(next, Ok(Some(_)));
            out.push(next);
            if stop {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn two_frames_back_to_back_then_clean_eof() {
        let mut bytes = frame(br#"{"a":1}"#);
        bytes.extend(frame(br#"{"b":"two"}"#));
        let got = read_all(bytes).await;
        assert_eq!(
            got,
            vec![
                Ok(Some(br#"{"a":1}"#.to_vec())),
                Ok(Some(br#"{"b":"two"}"#.to_vec())),
                Ok(None)
            ]
        );
    }

    #[tokio::test]
    async fn empty_stream_is_clean_eof() {
        assert_eq!(read_all(vec![]).await, vec![Ok(None)]);
    }

    #[tokio::test]
    async fn short_header_is_truncated() {
        let mut r = &[1u8, 0][..];
        let err = read_frame(&mut r).await.unwrap_err();
        assert!(
            matches!(err, FrameError::Truncated { got: 2, want: 4 }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn short_body_is_truncated() {
        let mut bytes = 10u32.to_ne_bytes().to_vec();
        bytes.extend_from_slice(b"abc");
        let mut r = &bytes[..];
        let err = read_frame(&mut r).await.unwrap_err();
        assert!(
            matches!(err, FrameError::Truncated { got: 3, want: 10 }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn length_past_the_cap_is_refused_without_reading_the_body() {
        let mut bytes = ((MAX_FRAME_LEN + 1) as u32).to_ne_bytes().to_vec();
        bytes.extend_from_slice(b"xyz");
        let mut r = &bytes[..];
        let err = read_frame(&mut r).await.unwrap_err();
        assert!(matches!(err, FrameError::TooLarge(n) if n == MAX_FRAME_LEN + 1));
        // The body was left unread.
        assert_eq!(r, b"xyz");
    }

    #[tokio::test]
    async fn huge_declared_length_does_not_allocate() {
        // u32::MAX would be a 4 GiB allocation if the cap were checked after allocating.
        let mut r = &u32::MAX.to_ne_bytes()[..];
        assert!(matches!(
            read_frame(&mut r).await,
            Err(FrameError::TooLarge(_))
        ));
    }

    #[tokio::test]
    async fn exactly_the_cap_is_accepted() {
        let body = vec![b' '; MAX_FRAME_LEN];
        let got = read_all(frame(&body)).await;
        assert_eq!(
            got[0].as_ref().unwrap().as_ref().unwrap().len(),
            MAX_FRAME_LEN
        );
    }

    #[tokio::test]
    async fn invalid_utf8_is_delivered_as_bytes_for_the_rpc_layer_to_refuse() {
        let got = read_all(frame(&[0xff, 0xfe])).await;
        assert_eq!(got[0], Ok(Some(vec![0xff, 0xfe])));
    }

    #[test]
    fn encode_refuses_over_the_cap_and_uses_native_order() {
        assert!(matches!(
            encode_frame(&vec![0; MAX_FRAME_LEN + 1]),
            Err(FrameError::TooLarge(_))
        ));
        let f = encode_frame(b"{}").unwrap();
        assert_eq!(&f[..4], &2u32.to_ne_bytes());
        assert_eq!(&f[4..], b"{}");
    }

    /// Property tests: any bodies survive encode → decode, and no prefix of a stream (nor
    /// any byte string) makes the decoder panic or misreport where the stream ended.
    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::future::Future;
        use std::task::{Context, Poll, Waker};

        /// Reading a byte slice never waits, so one poll finishes the read.
        fn now<F: Future>(f: F) -> F::Output {
            let mut f = std::pin::pin!(f);
            match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(v) => v,
                Poll::Pending => panic!("read_frame waited on an in-memory stream"),
            }
        }

        /// Every frame of `r`, and how the stream ended.
        fn decode_all(mut r: &[u8]) -> (Vec<Vec<u8>>, Result<(), FrameError>) {
            let mut frames = Vec::new();
            loop {
                match now(read_frame(&mut r)) {
                    Ok(Some(body)) => frames.push(body),
                    Ok(None) => return (frames, Ok(())),
                    Err(e) => return (frames, Err(e)),
                }
            }
        }

        fn bodies() -> impl Strategy<Value = Vec<Vec<u8>>> {
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..1024), 0..6)
        }

        /// The encoded stream and the offset where each frame ends (0 included).
        fn encode_all(bodies: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
            let mut stream = Vec::new();
            let mut ends = vec![0];
            for b in bodies {
                stream.extend(encode_frame(b).unwrap());
                ends.push(stream.len());
            }
            (stream, ends)
        }

        proptest! {
            #[test]
            fn encode_then_decode_gives_every_body_back(bodies in bodies()) {
                let (stream, _) = encode_all(&bodies);
                let (got, end) = decode_all(&stream);
                prop_assert_eq!(got, bodies);
                prop_assert!(end.is_ok(), "{:?}", end);
            }

            #[test]
            fn a_cut_stream_gives_its_whole_frames_then_ends_cleanly_or_truncated(
                bodies in bodies(),
                cut in any::<prop::sample::Index>(),
            ) {
                let (stream, ends) = encode_all(&bodies);
                let cut = cut.index(stream.len() + 1);
                let (got, end) = decode_all(&stream[..cut]);
                let whole = ends.iter().filter(|&&e| e <= cut).count() - 1;
                prop_assert_eq!(&got[..], &bodies[..whole]);
                if ends.contains(&cut) {
                    prop_assert!(end.is_ok(), "{:?}", end);
                } else {
                    prop_assert!(matches!(end, Err(FrameError::Truncated { .. })), "{:?}", end);
                }
            }

            #[test]
            fn arbitrary_bytes_decode_without_panic_or_io_error(
                bytes in prop::collection::vec(any::<u8>(), 0..4096),
            ) {
                let (frames, end) = decode_all(&bytes);
                prop_assert!(frames.iter().all(|f| f.len() <= MAX_FRAME_LEN));
                prop_assert!(!matches!(end, Err(FrameError::Io(_))), "{:?}", end);
            }
        }
    }
}

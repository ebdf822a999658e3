//! What the hostile server writes back to an HTTP request: status, headers and a body that may be huge, endless or cut short.

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use super::Shared;

/// What the server writes back to one HTTP request.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    /// `Content-Length` to declare instead of the true one (a lying server).
    declared_length: Option<u64>,
    close: bool,
}

#[derive(Debug, Clone)]
enum Body {
    Bytes(Vec<u8>),
    /// `chunk` repeated until `total` bytes, generated while writing so that a
    /// gigabyte costs no memory.
    Repeat {
        chunk: Vec<u8>,
        total: u64,
        framing: Framing,
    },
    /// These exact bytes are the whole response, status line included.
    Raw(Vec<u8>),
    /// Never answer; hold the connection open until the server drops.
    Stall,
    /// Close the connection without a byte.
    Close,
}

/// How a generated body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: total`.
    Length,
    /// `Transfer-Encoding: chunked`: the client cannot know the size in advance.
    Chunked,
    /// No length at all: the body ends when the server closes the connection.
    UntilClose,
}

impl HttpAnswer {
    /// A status with an empty body.
    pub fn status(status: u16) -> HttpAnswer {
        HttpAnswer {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            declared_length: None,
            close: false,
        }
    }

    /// `body` literally, as `application/json` (it need not be valid JSON: `NaN` is the
    /// point).
    pub fn json(status: u16, body: impl Into<String>) -> HttpAnswer {
        HttpAnswer::bytes(status, "application/json", body.into().into_bytes())
    }

    /// Any body with any content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> HttpAnswer {
        HttpAnswer {
            body: Body::Bytes(body.into()),
            ..HttpAnswer::status(status)
        }
        .header("Content-Type", content_type)
    }

    /// A redirect to `location` (301, 302, 307, 308…).
    pub fn redirect(status: u16, location: &str) -> HttpAnswer {
        HttpAnswer::status(status).header("Location", location)
    }

    /// A body of `total` bytes made of `chunk` repeated (the last copy cut short), as
    /// `application/json`, streamed without holding it in memory.
    pub fn huge(
        status: u16,
        chunk: impl Into<Vec<u8>>,
        total: u64,
        framing: Framing,
    ) -> HttpAnswer {
        let chunk = chunk.into();
        assert!(!chunk.is_empty(), "a huge body needs a non-empty chunk");
        HttpAnswer {
            body: Body::Repeat {
                chunk,
                total,
                framing,
            },
            close: framing == Framing::UntilClose,
            ..HttpAnswer::status(status)
        }
        .header("Content-Type", "application/json")
    }

    /// These bytes are written as the whole response (status line, headers, body), then
    /// the connection is closed.
    pub fn raw(response: impl Into<Vec<u8>>) -> HttpAnswer {
        HttpAnswer {
            body: Body::Raw(response.into()),
            close: true,
            ..HttpAnswer::status(0)
        }
    }

    /// Reads the request and never answers (the connection stays open).
    pub fn stall() -> HttpAnswer {
        HttpAnswer {
            body: Body::Stall,
            ..HttpAnswer::status(0)
        }
    }

    /// Closes the connection as soon as the request is read, answering nothing.
    pub fn close_connection() -> HttpAnswer {
        HttpAnswer {
            body: Body::Close,
            close: true,
            ..HttpAnswer::status(0)
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> HttpAnswer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Declares this `Content-Length` whatever the body's real size.
    pub fn declare_length(mut self, length: u64) -> HttpAnswer {
        self.declared_length = Some(length);
        self
    }
}

/// Writes one answer; `false` when the connection must end afterwards.
pub(super) fn write_answer(stream: &mut TcpStream, answer: &HttpAnswer, shared: &Shared) -> bool {
    let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let written = match &answer.body {
        Body::Raw(bytes) => stream.write_all(bytes),
        Body::Close => Ok(()),
        Body::Stall => {
            shared
                .state
                .wait(Duration::from_secs(24 * 3600), "the server to stop", |s| {
                    s.stopping.then_some(())
                });
            return false;
        }
        Body::Bytes(bytes) => {
            let length = answer.declared_length.unwrap_or(bytes.len() as u64);
            head.push_str(&format!("Content-Length: {length}\r\n"));
            if answer.close {
                head.push_str("Connection: close\r\n");
            }
            head.push_str("\r\n");
            stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(bytes))
        }
        Body::Repeat {
            chunk,
            total,
            framing,
        } => {
            match framing {
                Framing::Length => head.push_str(&format!(
                    "Content-Length: {}\r\n",
                    answer.declared_length.unwrap_or(*total)
                )),
                Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n"),
                Framing::UntilClose => head.push_str("Connection: close\r\n"),
            }
            head.push_str("\r\n");
            write_repeated(stream, head.as_bytes(), chunk, *total, *framing)
        }
    };
    let _ = stream.flush();
    if answer.close || written.is_err() {
        let _ = stream.shutdown(Shutdown::Both);
        return false;
    }
    true
}

fn write_repeated(
    stream: &mut TcpStream,
    head: &[u8],
    chunk: &[u8],
    total: u64,
    framing: Framing,
) -> std::io::Result<()> {
    stream.write_all(head)?;
    // Blocks of about 64 KiB keep the syscall count sane for gigabyte bodies.
    let copies = (64 * 1024 / chunk.len()).max(1);
    let block: Vec<u8> = chunk.repeat(copies);
    let mut left = total;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        if framing == Framing::Chunked {
            stream.write_all(format!("{take:x}\r\n").as_bytes())?;
        }
        stream.write_all(&block[..take])?;
        if framing == Framing::Chunked {
            stream.write_all(b"\r\n")?;
        }
        left -= take as u64;
    }
    if framing == Framing::Chunked {
        stream.write_all(b"0\r\n\r\n")?;
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

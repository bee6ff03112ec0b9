//! The run's stdout: a 64 KiB buffer whose `write_all` is small enough to inline, so that the
//! many short pieces a printed line is made of are copied with plain moves.

use std::io::{self, Write};

/// Buffered stdout. Like `BufWriter`, but its `write_all` is small enough to inline, so the
/// many short, often constant pieces a line is made of are copied with plain moves rather than
/// a call each (this is most of what printing a line costs).
pub struct Out<W: Write> {
    inner: W,
    buf: Box<[u8]>,
    len: usize,
}

impl<W: Write> Out<W> {
    pub fn new(inner: W) -> Out<W> {
        Out { inner, buf: vec![0; 1 << 16].into_boxed_slice(), len: 0 }
    }

    /// Writes out the buffer.
    fn drain(&mut self) -> io::Result<()> {
        let pending = self.buf.get(..self.len).unwrap_or(&[]);
        let r = self.inner.write_all(pending);
        self.len = 0;
        r
    }

    /// The slow path of `write_all`: the piece does not fit in what is left of the buffer.
    #[cold]
    fn spill(&mut self, b: &[u8]) -> io::Result<()> {
        self.drain()?;
        match self.buf.get_mut(..b.len()) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.len = b.len();
                Ok(())
            }
            None => self.inner.write_all(b),
        }
    }
}

impl<W: Write> Write for Out<W> {
    #[inline]
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.write_all(b)?;
        Ok(b.len())
    }

    #[inline(always)]
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        let end = self.len + b.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.len = end;
                Ok(())
            }
            None => self.spill(b),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

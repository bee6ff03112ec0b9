//! Reading a file on two cores. The main thread reads, filters, writes `-w`, decodes and tracks
//! every frame, in packet order, as it always does; instead of printing, it copies the frame
//! and the tracker's note into a batch and hands full batches to a printer thread through a
//! bounded channel. The printer decodes each frame again (decoding is pure and cheap) and
//! renders it, in the order the batches were sent, so the output is byte for byte what one
//! thread prints. When only the reports are wanted, the second thread tracks instead of
//! printing (`app`'s `Downstream` lays the stages out on the threads). Used for files only: a
//! live capture wants each packet on screen at once, and `-l` wants a flush per packet.
//!
//! Memory is bounded by the channel: at most `DEPTH` batches in flight plus the two being
//! filled and printed, each about `BATCH_BYTES`. Batches go back to the reader for reuse, so
//! nothing is allocated per packet.

use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};

use crate::decode::decode;
use crate::model::flow::{FlowRecord, PacketNote};
use crate::model::{Frame, LinkType, Packet, Timestamp, TsPrecision};

/// Bytes of frame data after which a batch is sent.
const BATCH_BYTES: usize = 256 * 1024;
/// Frames after which a batch is sent.
const BATCH_FRAMES: usize = 2048;
/// Full batches waiting for the printer.
const DEPTH: usize = 4;

/// One frame of a batch: where its bytes are, what the capture said of it, its note.
#[derive(Clone, Copy)]
struct Item {
    start: usize,
    end: usize,
    ts: Timestamp,
    len: u32,
    linktype: LinkType,
    interface: u32,
    precision: TsPrecision,
    frame_no: u64,
    note: PacketNote,
}

/// Frames copied out of the reader's buffer, in packet order, and the flow records of the
/// connections that ended among them, each after the frame that ended it (`--flows --json`).
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    items: Vec<Item>,
    /// (number of items before it, record).
    records: Vec<(usize, FlowRecord)>,
}

impl Batch {
    fn clear(&mut self) {
        self.bytes.clear();
        self.items.clear();
        self.records.clear();
    }
}

/// The reader's end: collects frames into batches and sends them.
pub struct Feeder {
    cur: Batch,
    tx: SyncSender<Batch>,
    /// Printed batches coming back for reuse.
    spare: Receiver<Batch>,
}

/// The printer thread's end.
pub struct Drain {
    rx: Receiver<Batch>,
    spare: SyncSender<Batch>,
}

/// A connected feeder and printer.
#[must_use]
pub fn channel() -> (Feeder, Drain) {
    let (tx, rx) = mpsc::sync_channel(DEPTH);
    // Room for every batch that can exist, so returning one never blocks.
    let (spare_tx, spare_rx) = mpsc::sync_channel(DEPTH + 3);
    (
        Feeder { cur: Batch::default(), tx, spare: spare_rx },
        Drain { rx, spare: spare_tx },
    )
}

impl Feeder {
    /// Queues one frame with its note. `false` when the printer has stopped (its output
    /// failed, e.g. a closed pipe): the caller stops reading and collects the error with
    /// the printer thread's result.
    pub fn push(&mut self, frame: &Frame<'_>, frame_no: u64, note: PacketNote) -> bool {
        let start = self.cur.bytes.len();
        self.cur.bytes.extend_from_slice(frame.data);
        self.cur.items.push(Item {
            start,
            end: self.cur.bytes.len(),
            ts: frame.ts,
            len: frame.len,
            linktype: frame.linktype,
            interface: frame.interface,
            precision: frame.precision,
            frame_no,
            note,
        });
        if self.cur.bytes.len() >= BATCH_BYTES || self.cur.items.len() >= BATCH_FRAMES {
            return self.send();
        }
        true
    }

    /// Queues the record of a connection that ended, after the frames queued so far.
    pub fn push_record(&mut self, r: FlowRecord) {
        let at = self.cur.items.len();
        self.cur.records.push((at, r));
    }

    /// Sends the batch being filled and takes a spare one (or a new one) to fill next.
    fn send(&mut self) -> bool {
        let next = match self.spare.try_recv() {
            Ok(mut b) => {
                b.clear();
                b
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Batch::default(),
        };
        let full = std::mem::replace(&mut self.cur, next);
        self.tx.send(full).is_ok()
    }

    /// Sends what is left; the printer ends after printing it.
    pub fn finish(mut self) {
        if !self.cur.items.is_empty() || !self.cur.records.is_empty() {
            let _ = self.send();
        }
    }
}

impl Drain {
    /// Prints every frame of every batch, in order, with `print`, until the feeder is
    /// finished or dropped. On the first output error it stops (dropping its end, so that
    /// the feeder's next send fails) and returns the error.
    pub fn run<W, P>(self, out: &mut W, print: P) -> io::Result<()>
    where
        W: Write,
        P: FnMut(&mut W, &Packet<'_>, &PacketNote) -> io::Result<()>,
    {
        self.run_with_records(out, print, |_, _| Ok(()))
    }

    /// [`Drain::run`], and each flow record queued with the frames with `record`, in its place.
    pub fn run_with_records<W, P, R>(self, out: &mut W, mut print: P, mut record: R) -> io::Result<()>
    where
        W: Write,
        P: FnMut(&mut W, &Packet<'_>, &PacketNote) -> io::Result<()>,
        R: FnMut(&mut W, &FlowRecord) -> io::Result<()>,
    {
        for batch in self.rx.iter() {
            let mut records = batch.records.iter().peekable();
            for (i, it) in batch.items.iter().enumerate() {
                while let Some((_, r)) = records.next_if(|(at, _)| *at <= i) {
                    record(out, r)?;
                }
                let frame = Frame {
                    ts: it.ts,
                    len: it.len,
                    linktype: it.linktype,
                    data: batch.bytes.get(it.start..it.end).unwrap_or(&[]),
                    interface: it.interface,
                    precision: it.precision,
                };
                let pkt = decode(&frame, it.frame_no);
                print(out, &pkt, &it.note)?;
            }
            for (_, r) in records {
                record(out, r)?;
            }
            let _ = self.spare.try_send(batch);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn frame(data: &[u8]) -> Frame<'_> {
        Frame {
            ts: Timestamp::new(1, 0),
            len: data.len() as u32,
            linktype: LinkType::RAW,
            data,
            interface: 0,
            precision: TsPrecision::Micro,
        }
    }

    #[test]
    fn every_frame_arrives_once_in_order_across_batches() {
        let (mut feeder, printer) = channel();
        let n = 3 * BATCH_FRAMES + 17;
        let seen = std::thread::scope(|s| {
            let h = s.spawn(move || {
                let mut seen: Vec<(u64, usize, u8)> = Vec::new();
                let mut sink = io::sink();
                printer
                    .run(&mut sink, |_, pkt, _| {
                        seen.push((pkt.frame, pkt.data.len(), pkt.data.first().copied().unwrap_or(0)));
                        Ok(())
                    })
                    .unwrap();
                seen
            });
            for i in 0..n {
                // Frames of varying size, some big enough to fill a batch on their own.
                let size = if i % 1000 == 999 { BATCH_BYTES } else { i % 61 };
                let data = vec![(i % 251) as u8; size];
                assert!(feeder.push(&frame(&data), i as u64 + 1, PacketNote::default()));
            }
            feeder.finish();
            h.join().unwrap()
        });
        assert_eq!(seen.len(), n);
        for (i, (no, size, first)) in seen.into_iter().enumerate() {
            assert_eq!(no, i as u64 + 1);
            let want = if i % 1000 == 999 { BATCH_BYTES } else { i % 61 };
            assert_eq!(size, want, "frame {no}");
            if size > 0 {
                assert_eq!(first, (i % 251) as u8, "frame {no}");
            }
        }
    }

    #[test]
    fn a_failing_printer_stops_the_feeder_and_reports_its_error() {
        let (mut feeder, printer) = channel();
        let (pushed, err) = std::thread::scope(|s| {
            let h = s.spawn(move || {
                let mut sink = io::sink();
                printer.run(&mut sink, |_, _, _| Err(io::Error::from(io::ErrorKind::BrokenPipe)))
            });
            let data = [0u8; 40];
            let mut pushed = 0u64;
            // Bounded: the printer fails on the first frame, so the feeder must stop long
            // before this.
            while pushed < 1_000_000 && feeder.push(&frame(&data), pushed + 1, PacketNote::default()) {
                pushed += 1;
            }
            drop(feeder);
            (pushed, h.join().unwrap())
        });
        assert!(pushed < ((DEPTH + 3) * BATCH_FRAMES) as u64, "stopped after {pushed} frames");
        assert_eq!(err.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }
}

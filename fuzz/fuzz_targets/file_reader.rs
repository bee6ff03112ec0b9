//! Fuzz target: arbitrary bytes as a pcap or pcapng file through `capture::FileReader`, and on
//! through decode, the line and JSON views and the flow tracker.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portlens_fuzz::file_reader(data);
});

//! Fuzz target: arbitrary bytes and an arbitrary link type → `decode` → every view (line with
//! several option sets, JSON, bits, bits -v, ladder) → the flow tracker's `--flows` and
//! `--stats` reports. The input format is described in `portlens_fuzz::decode_render`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portlens_fuzz::decode_render(data);
});

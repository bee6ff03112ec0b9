//! portlens: a packet header decoder and sniffer that explains ports, sockets and TCP
//! connections.
//!
//! The library holds everything the binary does, so that tests, benches and fuzz targets call
//! decode and render without root. Arrows point down, as ARCHITECTURE.md's table says (and
//! `tests/architecture.rs` checks): `app → {pipeline, capture, decode, flow, render, …}`;
//! `render → {i18n, model, services, vocab}`; `decode → model`; `flow → model`; the leaves
//! `model`, `recency`, `services`, `vocab` and `stop` use nothing of the crate.

pub mod app;
pub mod capture;
pub mod cli;
pub mod decode;
pub mod flow;
pub mod i18n;
pub mod model;
pub mod pipeline;
pub mod privs;
pub mod recency;
pub mod render;
pub mod sandbox;
pub mod services;
pub mod settings;
pub mod sockets;
pub mod stop;
pub mod teach;
pub mod vocab;

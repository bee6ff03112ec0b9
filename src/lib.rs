//! portlens: a packet header decoder and sniffer that explains ports, sockets and TCP
//! connections.
//!
//! The library holds everything the binary does, so that tests, benches and fuzz targets call
//! decode and render without root. Arrows point down (see ARCHITECTURE.md):
//! `app → {capture, decode, flow, render}`; `render → {model, services}`; `decode → model`;
//! `flow → model`.

pub mod app;
pub mod capture;
pub mod cli;
pub mod decode;
pub mod flow;
pub mod model;
pub mod pipeline;
pub mod privs;
pub mod render;
pub mod sandbox;
pub mod services;
pub mod settings;
pub mod teach;

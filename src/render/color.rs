//! ANSI colour for the teaching views (`--bits`, `explain`, `services`): a handful of styles
//! with one meaning each (a 1-bit, a port class, a heading), so colour helps reading and
//! never carries information the plain text lacks.
//!
//! Whether to colour is decided once, by `settings::resolve_color` (`--color`, `NO_COLOR`,
//! stdout a terminal); a [`Palette`] that is off writes the text unchanged, so output piped to
//! a file or a test never contains escape codes.

use std::fmt;

use crate::services::PortClass;

/// What a piece of text is, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A heading or the packet number.
    Heading,
    /// A bit that is 1 (and a flag that is set).
    One,
    /// Secondary text (bit numbers, byte offsets, raw bytes).
    Dim,
    /// A well-known port's class.
    WellKnown,
    /// A registered port's class.
    Registered,
    /// A dynamic port's class.
    Dynamic,
    /// A service name.
    Name,
    /// Something cut or wrong.
    Warn,
}

impl Style {
    /// The style of a port class.
    #[must_use]
    pub const fn of_class(c: PortClass) -> Style {
        match c {
            PortClass::WellKnown => Style::WellKnown,
            PortClass::Registered => Style::Registered,
            PortClass::Dynamic => Style::Dynamic,
        }
    }

    /// The SGR escape sequence that starts the style.
    #[must_use]
    pub const fn sgr(self) -> &'static str {
        match self {
            Style::Heading => "\x1b[1m",
            Style::One => "\x1b[1;36m",
            Style::Dim => "\x1b[2m",
            Style::WellKnown => "\x1b[32m",
            Style::Registered => "\x1b[33m",
            Style::Dynamic => "\x1b[35m",
            Style::Name => "\x1b[1m",
            Style::Warn => "\x1b[31m",
        }
    }
}

/// The escape sequence that ends any style.
pub const RESET: &str = "\x1b[0m";

/// Colour on or off, decided once per run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    on: bool,
}

impl Palette {
    /// A palette that colours when `on`.
    #[must_use]
    pub const fn new(on: bool) -> Palette {
        Palette { on }
    }

    /// Whether escape codes are written.
    #[must_use]
    pub const fn is_on(self) -> bool {
        self.on
    }

    /// `text` in `style`, as something to `write!`: plain text when the palette is off.
    ///
    /// ```
    /// use portlens::render::color::{Palette, Style};
    /// assert_eq!(Palette::new(false).paint(Style::One, "1").to_string(), "1");
    /// assert_eq!(Palette::new(true).paint(Style::One, "1").to_string(), "\x1b[1;36m1\x1b[0m");
    /// ```
    #[must_use]
    pub fn paint<T: fmt::Display>(self, style: Style, text: T) -> Painted<T> {
        Painted {
            style: self.on.then_some(style),
            text,
        }
    }

    /// A bit (`0` or `1`) right-aligned in `width` columns, the 1s coloured.
    #[must_use]
    pub fn bit(self, one: bool, width: usize) -> Painted<Padded> {
        let style = if one { Style::One } else { Style::Dim };
        Painted {
            style: (self.on && one).then_some(style),
            text: Padded {
                text: if one { "1" } else { "0" },
                width,
            },
        }
    }
}

/// Text to be written in a style (see [`Palette::paint`]).
#[derive(Clone, Copy, Debug)]
pub struct Painted<T> {
    style: Option<Style>,
    text: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.style {
            Some(s) => write!(f, "{}{}{}", s.sgr(), self.text, RESET),
            None => write!(f, "{}", self.text),
        }
    }
}

/// A short text right-aligned in a fixed width (padding goes inside the colour).
#[derive(Clone, Copy, Debug)]
pub struct Padded {
    text: &'static str,
    width: usize,
}

impl fmt::Display for Padded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>w$}", self.text, w = self.width)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn off_writes_plain_text() {
        let p = Palette::new(false);
        assert_eq!(p.paint(Style::Heading, "port 443").to_string(), "port 443");
        assert_eq!(p.bit(true, 3).to_string(), "  1");
        assert_eq!(p.bit(false, 3).to_string(), "  0");
        assert!(!p.is_on());
    }

    #[test]
    fn on_wraps_in_escape_codes_and_resets() {
        let p = Palette::new(true);
        assert_eq!(p.bit(true, 3).to_string(), "\x1b[1;36m  1\x1b[0m");
        // Zeros stay plain so the 1s stand out.
        assert_eq!(p.bit(false, 3).to_string(), "  0");
        let s = p
            .paint(Style::of_class(PortClass::Dynamic), "dynamic")
            .to_string();
        assert!(s.starts_with("\x1b[35m") && s.ends_with(RESET));
    }
}

//! Small shared vocabularies: the words every layer may use to say what a run wants (which
//! language, whether to colour, which timestamp style, which hex dump). Leaf: it depends on
//! nothing in the crate, so that `settings`, `render`, `teach` and `i18n` can all name these
//! without pointing at each other. The command line's own spellings (clap's value enums) stay
//! in `cli` and are turned into these by `settings`.

/// Language of the text written for people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    /// English.
    #[default]
    En,
    /// Korean.
    Ko,
}

/// Whether to colour: as asked on the command line, before the terminal and the environment
/// are consulted (`settings::resolve_color` decides).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Which timestamp to print in front of each line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TsStyle {
    /// `18:38:17.686702` local time (default).
    #[default]
    Time,
    /// `-t`: none.
    None,
    /// `-tt`: seconds since the epoch, `1795459097.686702`.
    Epoch,
    /// `-ttt`: time since the previous packet, `00:00:00.000022`.
    Delta,
    /// `-tttt`: date and local time, `2026-11-23 18:38:17.686702`.
    Date,
    /// `-ttttt`: time since the first packet, `00:00:00.000041`.
    SinceFirst,
}

impl TsStyle {
    /// The style for a count of `-t` flags.
    pub fn from_count(n: u8) -> TsStyle {
        match n {
            0 => TsStyle::Time,
            1 => TsStyle::None,
            2 => TsStyle::Epoch,
            3 => TsStyle::Delta,
            4 => TsStyle::Date,
            _ => TsStyle::SinceFirst,
        }
    }
}

/// `-x`, `-xx`, `-X`, `-XX`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HexMode {
    /// No dump.
    #[default]
    None,
    /// Hex from the network header on (`-x`), or the whole frame (`-xx`).
    Hex {
        /// Include the link-layer header.
        link: bool,
        /// Add the ASCII column (`-X`).
        ascii: bool,
    },
}

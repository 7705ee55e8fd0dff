//! The on-screen display: camera label and device-clock date and time, burned into every frame.

use devsim_core::error::{Error, Result};

/// Clock style of the burned-in time (FortiRecorder VideoClip `osdFormat`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum OsdFormat {
    /// `2024-03-20 19:05:00`
    #[default]
    H24,
    /// `2024-03-20 07:05:00 PM`
    H12,
}

impl OsdFormat {
    /// Parse `12h` / `24h`.
    pub fn parse(s: &str) -> Result<OsdFormat> {
        match s {
            "24h" | "24H" => Ok(OsdFormat::H24),
            "12h" | "12H" => Ok(OsdFormat::H12),
            other => Err(Error::invalid(format!("osdFormat {other:?} is not 12h or 24h"))),
        }
    }

    /// strftime format with the `:` escaped for drawtext's `%{pts:gmtime:...}` expansion.
    fn drawtext_strftime(self) -> &'static str {
        match self {
            OsdFormat::H24 => r"%Y-%m-%d %H\:%M\:%S",
            OsdFormat::H12 => r"%Y-%m-%d %I\:%M\:%S %p",
        }
    }
}

/// Corner of the burned-in text block (FortiRecorder VideoClip `osdPosition`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum OsdPosition {
    #[default]
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl OsdPosition {
    /// Parse `Top-Left`, `Top-Right`, `Bottom-Left`, `Bottom-Right` (case-insensitive).
    pub fn parse(s: &str) -> Result<OsdPosition> {
        match s.to_ascii_lowercase().as_str() {
            "top-left" => Ok(OsdPosition::TopLeft),
            "top-right" => Ok(OsdPosition::TopRight),
            "bottom-left" => Ok(OsdPosition::BottomLeft),
            "bottom-right" => Ok(OsdPosition::BottomRight),
            _ => Err(Error::invalid(format!(
                "osdPosition {s:?} is not Top-Left, Top-Right, Bottom-Left or Bottom-Right"
            ))),
        }
    }
}

/// Format and position of the burned-in text.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Osd {
    pub format: OsdFormat,
    pub position: OsdPosition,
}

/// Check a camera label: 1..=128 characters, no control characters.
pub fn validate_label(label: &str) -> Result<()> {
    if label.is_empty() || label.chars().count() > 128 {
        return Err(Error::invalid("camera label must have 1 to 128 characters"));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::invalid("camera label must not contain control characters"));
    }
    Ok(())
}

/// The drawtext `textfile` contents: the label (escaped so that `%` and `\` are literal) on the
/// first line, the device time of each frame on the second. `start_ms` is the device time of the
/// frame with pts 0.
pub fn text_file_contents(label: &str, start_ms: i64, format: OsdFormat) -> String {
    let mut escaped = String::with_capacity(label.len() + 8);
    for c in label.chars() {
        if c == '\\' || c == '%' {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!(
        "{escaped}\n%{{pts:gmtime:{}.{:03}:{}}}",
        start_ms.div_euclid(1000),
        start_ms.rem_euclid(1000),
        format.drawtext_strftime()
    )
}

/// The video filter chain: a moving SMPTE pattern is the source; this draws the text block.
/// Paths are single-quoted, so they may contain `:` but not `'`.
pub fn drawtext_filter(font: &str, text_file: &str, height: u32, position: OsdPosition) -> String {
    let size = (height / 14).max(10);
    let m = (size / 2).max(4);
    let (x, y) = match position {
        OsdPosition::TopLeft => (format!("{m}"), format!("{m}")),
        OsdPosition::TopRight => (format!("w-tw-{m}"), format!("{m}")),
        OsdPosition::BottomLeft => (format!("{m}"), format!("h-th-{m}")),
        OsdPosition::BottomRight => (format!("w-tw-{m}"), format!("h-th-{m}")),
    };
    format!(
        "drawtext=fontfile='{font}':textfile='{text_file}':expansion=normal:x={x}:y={y}:fontsize={size}:\
         fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={}:line_spacing={}",
        (size / 4).max(2),
        (size / 6).max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_videoclip_strings() {
        assert_eq!(OsdFormat::parse("12h").unwrap(), OsdFormat::H12);
        assert!(OsdFormat::parse("13h").is_err());
        assert_eq!(OsdPosition::parse("Bottom-Right").unwrap(), OsdPosition::BottomRight);
        assert!(OsdPosition::parse("Middle").is_err());
    }

    #[test]
    fn label_percent_and_backslash_are_escaped_for_drawtext() {
        let t = text_file_contents(r"cam 50%\x", 1_700_000_000_250, OsdFormat::H24);
        assert_eq!(t, "cam 50\\%\\\\x\n%{pts:gmtime:1700000000.250:%Y-%m-%d %H\\:%M\\:%S}");
    }

    #[test]
    fn rejects_empty_and_control_labels() {
        assert!(validate_label("").is_err());
        assert!(validate_label("a\nb").is_err());
        assert!(validate_label("Front door").is_ok());
    }
}

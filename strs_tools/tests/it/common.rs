//! Tables and helpers shared by the integration tests.

#![allow(dead_code)]

/// The records of a CSV input as owned fields.
pub type Rows = Vec<Vec<Vec<u8>>>;

/// The hostile CSV inputs of RELIABILITY.md items 11-14 (plus a byte-order mark
/// at the start and mid-input), as raw bytes.
pub const CSV_HOSTILE: &[&str] = &[
    "",
    "\n",
    "\r\n\r\n",
    "a",
    "a,b\nc,d\n",
    "a,b\n\"c,d\ne,f\n",
    "\"a\"\"b\",x\n",
    "\"x\n1,2\n\",3\n4,5\n",
    "\"x\"y,z\n",
    "x\"y\"z,w\n",
    "x\"y\"z,\"q\n",
    "a\r\r\nb\r\n\r\nc",
    "\n\na,b\n\n\nc,d\n\n",
    ",\n",
    "\"\"",
    "\"",
    "a,",
    "\"\"\"\",\"\",\"\"\"\n",
    "a\\\"b,\"c\\\"d\",\"e\\",
    "\"a\\",
    "\"a\"\"\n\"\"b\"\n",
    ",,,\n\"\n\"\"\n",
    "\"a\"\r\"b\"\n\"c\"\r\n",
    "aa\"aaaa\"\"\"\na",
    "\u{feff}a,b\n\u{feff}\"c\"\n",
    "\u{feff}\"a\nb\",c\n\u{feff}d\n",
    "\u{feff}",
    "\u{feff}\n\"",
    "x\u{feff},\"\u{feff}\"\n",
];

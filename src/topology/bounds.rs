//! How much work reading one topology file may cost.
//!
//! Topology files are shared between schools and may come from anywhere, so reading one
//! must take bounded time and memory whatever it holds. Each bound is checked before the
//! work it protects, and each is far above what a real lab needs: the largest example
//! lab is 3 KiB, nests 6 levels deep, uses no aliases and has 16 placeholders, and a lab
//! at the node and cable bounds of `crate::kind::bounds` fits in well under 100 KiB.

/// Bytes in a topology file: 1 MiB. The whole file is held in memory and indexed, so
/// this bounds everything that is linear in the text.
pub const FILE_BYTES: usize = 1 << 20;

/// Levels of mappings and lists inside each other, counting those an alias repeats.
/// The YAML reader serde uses takes time that grows with the square of the nesting of
/// `[` and `{`, and the position index stores a path per value as long as its depth; a
/// bound on depth keeps both linear in the size of the file.
pub const DEPTH: usize = 32;

/// Values that aliases (`*name`) may repeat in all, each value inside a repeated
/// mapping or list counted. serde_yaml stops nested aliases ("billion laughs") by their
/// number of jumps, but not one large anchor repeated many times, which it builds out
/// in full: a 1 MiB file of those took minutes and all of memory.
pub const ALIASED_VALUES: usize = 10_000;

/// Placeholders (`{web}`) in all texts of a file together. Each one becomes at most an
/// IPv6 address with its prefix length (43 bytes), so with [`FILE_BYTES`] this bounds
/// what filling them in produces for every student.
pub const PLACEHOLDERS: usize = 1_000;

/// Errors (and, apart, warnings) kept for one file; beyond this they are only counted.
/// Drawing a diagnostic reads the file up to its place, so tens of thousands of them (a
/// generated file, or a file that is no lab at all) took minutes to show, and nobody
/// reads past the first screens anyway.
pub const DIAGNOSTICS: usize = 100;

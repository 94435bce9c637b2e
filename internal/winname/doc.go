// Package winname is the Windows name identity of profile paths: when two
// names are one file to Windows, which names Windows refuses, and a cache of
// how a directory spells the names it holds. The mount (overlay), the merge
// (syncer) and the policy's folder rules all ask it, so they never disagree
// on whether two spellings are one path.
//
// # The identity: NTFS's upper-case table, not Unicode case folding
//
// NTFS compares names by upper-casing each UTF-16 code unit through the
// volume's $UpCase table and comparing the results; there is no multi-letter
// folding ("ß" is not "ss") and no language rule (Turkish dotted "İ" is not
// "i"). Unicode's case folding (strings.EqualFold) and its lower-casing
// (strings.ToLower) both differ from it, and from each other: EqualFold makes
// the long s "ſ" equal to "s" and the Kelvin sign "K" equal to "k"; ToLower
// makes "İ" equal to "i"; NTFS does none of these.
//
// The table Windows writes behaves as Unicode's simple upper-case mapping
// restricted to real case pairs: a letter is upper-cased only when it is the
// lower case of its capital. So "ſ" (whose capital S lower-cases to s),
// "ı" (dotless i; I lower-cases to i), the micro sign "µ" and title-case
// letters such as "ǅ" stay themselves, and stand for no other letter. One
// exception is written into the table: the final sigma "ς" upper-cases to
// "Σ", like "σ". Code points above U+FFFF (surrogate pairs in UTF-16) are
// never folded: the table has one entry per 16-bit code unit.
//
// Upcase is that rule over Go's Unicode tables. It was checked, code point by
// code point, against the table ntfs-3g builds and documents as Windows
// Vista's: the two put the same characters together for everything Unicode
// 5.0 knew (Vista maps "Ⱥ" oddly, to its small letter, which makes the same
// pair). Letters Unicode added since are paired by Go's newer tables, as a
// newer Windows pairs them. A volume
// formatted by an older Windows keeps its older table, so for such letters
// roamfs may see two names where that volume sees one: the merge then leaves
// both untouched (see syncer's case clash), it never merges them wrongly.
//
// # The key
//
// Key maps a name to one spelling of its class: the lower-case letter of a
// case pair, everything else unchanged. Lower case, not upper, because keys
// are stored (the syncer keeps each path's base version under its key) and
// earlier versions of roamfs stored strings.ToLower: for ASCII and almost
// every other name the key is unchanged. Bytes that are not UTF-8 (possible
// on a Linux cache) are kept as they are, so two different such names never
// share a key.
package winname

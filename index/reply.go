// Package index is govsearch's domain package: it reads replies from
// Markdown files, splits them into sections, and owns the bleve index that
// serves ranked, highlighted sections. It is the only package that speaks
// bleve's index and query API; callers see Reply, Section, SearchRequest and
// SearchResult.
package index

import "time"

// Reply is one input document: an official reply, letter, report or
// regulation read from a Markdown file with front matter.
type Reply struct {
	// DocID is the file's path relative to the source folder, without its
	// extension, with forward slashes. It is stable across rebuilds.
	DocID string `json:"doc_id"`
	// Title comes from the front matter, or is the first non-empty line.
	Title string `json:"title"`
	// Date is zero when the front matter has none.
	Date       time.Time `json:"date"`
	Tags       []string  `json:"tags"`
	Categories []string  `json:"categories"`
	// Meta holds every other front matter key (source, publisher, ...).
	Meta map[string]any `json:"meta,omitempty"`
	// Sections are the reply's passages in document order.
	Sections []Section `json:"sections"`
	// Info is what the reply says about itself (who asked, which session,
	// which ministry answered); zero for a document that is not a reply.
	Info ReplyInfo `json:"reply"`

	path string // the file it was read from, for errors
	// encoding is what the file was transcoded from ("" for UTF-8).
	encoding string
	// markdown is the text it was parsed from (decoded, line ends
	// normalized): what Live.Put keeps in the write journal, for builds
	// to parse again.
	markdown []byte
}

// Section is the unit govsearch indexes and returns: one outline section of
// a reply (or a chunk of a long one), so that a hit points at the passage
// that answers a query rather than at a ten-page letter.
type Section struct {
	// Num is the 0-based position of the section in its document.
	Num int `json:"section"`
	// Heading is the outline heading line (一、关于……); empty for the
	// preamble, the closing and chunks of an unheaded document.
	Heading string `json:"heading"`
	// Text is the section's body, paragraphs separated by blank lines,
	// without the heading line.
	Text string `json:"text"`
}

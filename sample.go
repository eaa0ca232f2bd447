// Package govsearch ships the sample of real government replies that the
// govsearch binary serves when started without an index, so that the bare
// binary is a complete demo. The same files are the test fixtures of the
// other packages.
package govsearch

import "embed"

// Sample holds testdata/replies: the MIIT reply to CPPCC proposal No. 2524
// and the State Council General Office's replies and 复函 from the shared
// corpus, as Markdown with front matter.
//
//go:embed testdata/replies
var Sample embed.FS

// SampleRoot is the folder inside Sample that holds the replies.
const SampleRoot = "testdata/replies"

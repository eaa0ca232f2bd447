package index

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Section size limits, in runes of Text.
const (
	// splitRunes is the length above which a section is cut into chunks,
	// and the size to which several small pieces are packed into one chunk.
	splitRunes = 2000
	// chunkRunes bounds the Text of every chunk.
	chunkRunes = 3000
)

// Heading shape limits, in runes.
const (
	// chapterHeadingRunes bounds a 第一章 line; longer lines are body text
	// that happens to start with a chapter reference.
	chapterHeadingRunes = 40
	// wrappedHeadingRunes bounds a chapter heading with its wrapped second
	// line (第二节　审查和批准决算，……、 + 预算的执行情况报告……).
	wrappedHeadingRunes = 80
	// itemHeadingRunes: a 一、 line up to this length is a heading as a whole.
	itemHeadingRunes = 60
	// itemSentenceRunes: a longer 一、 line is cut after its first sentence or
	// clause if that ends within this many runes.
	itemSentenceRunes = 200
)

// Closing block limits: the closing is a short tail of the document.
const (
	closingParas      = 10
	closingRunes      = 1500
	officeLineRunes   = 30
	officeLines       = 3
	trailingNoteRunes = 40
	trailingNotes     = 2
)

// outline is a document's top-level heading scheme.
type outline int

const (
	outlineNone    outline = iota
	outlineItems           // 一、 二、 ……
	outlineChapter         // 第一编, 第一章, 第一节 ……
)

// draft is a section before chunking: a heading and its paragraphs.
type draft struct {
	heading string
	// level is the depth of a chapter heading (编 0, 分编 1, 章 2, 节 3),
	// -1 for anything else.
	level int
	paras []string
}

// SplitSections splits a reply's body (the Markdown after the front matter,
// UTF-8, "\n" line ends) into sections numbered from 0.
//
// The top-level headings are the 第一编/第一章/第一节 lines of laws and
// regulations, or, in documents without those, the paragraphs that start
// with 一、 二、 …. Text before the first heading is section 0, and a closing
// block (感谢……, contact lines, or the issuing office and date) is a section
// of its own with an empty heading. Sections longer than about 2,000 runes
// are cut into chunks of at most 3,000 runes that repeat the heading. No
// returned section is empty, and every non-space character of body is kept
// in order except the Markdown # markers of heading lines.
func SplitSections(body string) []Section {
	secs, _ := splitSections(body)
	return secs
}

// splitSections is SplitSections that also reports which sections are
// continuation chunks, whose heading repeats the previous one's.
func splitSections(body string) (secs []Section, continued []bool) {
	paras := paragraphs(body)
	lay := detectLayout(paras)
	drafts := outlineDrafts(paras, lay)
	drafts = splitClosing(drafts)

	// Long sections are cut between articles in laws, where （一） numbers
	// the items of one article, and between （一） subsections elsewhere.
	isSub := isItemSubheading
	if lay.articles {
		isSub = isArticle
	}
	for _, d := range drafts {
		for i, text := range chunkText(d.paras, isSub) {
			if text == "" && (i > 0 || d.heading == "") {
				continue
			}
			secs = append(secs, Section{Num: len(secs), Heading: d.heading, Text: text})
			continued = append(continued, i > 0)
		}
	}
	if len(secs) > packAbove {
		return packSections(secs), make([]bool, len(secs))
	}
	return secs, continued
}

// packAbove bounds the sections of a document before they are packed. Real
// replies and laws have up to about a hundred; a file of thousands of tiny
// sections (a table turned into headings, a generated file) would cost a
// bleve document each, with all of the document's fields, for sections
// nobody reads one by one.
const packAbove = 1000

// packSections packs consecutive sections into sections of up to
// splitRunes characters, each keeping the heading of its first piece and
// the others' headings as paragraphs of its text: nothing is lost to
// search, only the outline.
func packSections(secs []Section) []Section {
	var out []Section
	size := 0 // runes of the last section's heading and text
	sep := utf8.RuneCountInString(paraSep)
	for _, s := range secs {
		var add []string
		n := 0
		for _, p := range []string{s.Heading, s.Text} {
			if p != "" {
				add = append(add, p)
				n += utf8.RuneCountInString(p) + sep
			}
		}
		if len(out) == 0 || size+n > splitRunes {
			out = append(out, Section{Num: len(out), Heading: s.Heading, Text: s.Text})
			size = utf8.RuneCountInString(s.Heading) + utf8.RuneCountInString(s.Text)
			continue
		}
		last := &out[len(out)-1]
		if last.Text == "" {
			last.Text = strings.Join(add, paraSep)
		} else {
			last.Text += paraSep + strings.Join(add, paraSep)
		}
		size += n
	}
	return out
}

// paragraphs splits body at blank lines, and before every line that looks
// like a heading, so that a heading written without a blank line before it
// still starts a paragraph. Paragraphs are trimmed, which removes the
// indentation of their first line.
func paragraphs(body string) []string {
	var paras []string
	start, end := -1, -1
	flush := func() {
		if start >= 0 {
			if p := strings.TrimSpace(body[start:end]); p != "" {
				paras = append(paras, p)
			}
		}
		start, end = -1, -1
	}
	for pos := 0; pos <= len(body); {
		eol := strings.IndexByte(body[pos:], '\n')
		if eol < 0 {
			eol = len(body)
		} else {
			eol += pos
		}
		line := body[pos:eol]
		switch {
		case isBlank(line):
			flush()
		default:
			if start >= 0 && looksLikeHeading(line) {
				flush()
			}
			if start < 0 {
				start = pos
			}
			end = eol
		}
		pos = eol + 1
	}
	flush()
	return paras
}

func isBlank(line string) bool {
	return strings.TrimSpace(line) == ""
}

func looksLikeHeading(line string) bool {
	if _, ok := chapterLevel(line); ok {
		return true
	}
	return isItemHeading(line)
}

// layout is what outlineDrafts needs to know about a whole document.
type layout struct {
	scheme outline
	// articles is set in laws and regulations: paragraphs that start with
	// 第一条. There only heading-shaped 一、 lines (一、一般规定) are
	// headings; 一、 paragraphs ending in ； or 。 are items of an article.
	articles bool
	// heads marks the paragraphs that start a section.
	heads []bool
}

// isItemHeading reports whether line could be a top-level item heading
// (一、) in a document with this layout.
func (lay *layout) isItemHeading(line string) bool {
	if !isItemHeading(line) {
		return false
	}
	if !lay.articles {
		return true
	}
	s := stripHeadingMarkers(line)
	return !runesOver(s, chapterHeadingRunes) && !strings.ContainsAny(s, "。；：，！？;:,!?")
}

// detectLayout picks the top-level scheme, chapter lines over 一、 items
// (inside chapters those are list items), and marks its headings.
func detectLayout(paras []string) *layout {
	lay := &layout{heads: make([]bool, len(paras))}
	articles := 0
	for _, p := range paras {
		if isArticle(p) {
			articles++
		}
	}
	lay.articles = articles >= 2

	for i, p := range paras {
		first, _ := cutLine(p)
		if _, ok := chapterLevel(first); ok {
			lay.heads[i] = true
			lay.scheme = outlineChapter
		}
	}
	if lay.scheme == outlineNone {
		for i, p := range paras {
			first, _ := cutLine(p)
			lay.heads[i] = lay.isItemHeading(first)
		}
		unmarkLists(paras, lay.heads)
		if slices.Contains(lay.heads, true) {
			lay.scheme = outlineItems
		}
	}
	unmarkContents(paras, lay.heads)
	return lay
}

// unmarkLists unmarks runs of adjacent 一、 paragraphs that are the items of
// an enumeration (一、……； 二、……； 三、……。) rather than headings.
func unmarkLists(paras []string, heads []bool) {
	semi := func(p string) bool {
		return strings.HasSuffix(p, "；") || strings.HasSuffix(p, ";")
	}
	for i := 0; i < len(paras); {
		if !heads[i] || !semi(paras[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(paras) && heads[j] && semi(paras[j]) {
			j++
		}
		if j < len(paras) && heads[j] {
			j++ // the last item ends in 。
		}
		if j-i >= 2 {
			clear(heads[i:j])
		}
		i = j
	}
}

// unmarkContents unmarks the headings of a table of contents: three or more
// headings in a row without text, the first of which appears again later.
func unmarkContents(paras []string, heads []bool) {
	const minEntries = 3
	key := func(i int) string {
		if !heads[i] || strings.ContainsRune(paras[i], '\n') || runesOver(paras[i], itemHeadingRunes) {
			return ""
		}
		return strings.Join(strings.FieldsFunc(stripHeadingMarkers(paras[i]), unicode.IsSpace), "")
	}
	last := make(map[string]int)
	for i := range paras {
		if k := key(i); k != "" {
			last[k] = i
		}
	}
	for i := 0; i < len(paras); {
		first := key(i)
		if first == "" {
			i++
			continue
		}
		j, end := i+1, -1
		for ; j < len(paras) && key(j) != ""; j++ {
			if end < 0 && key(j) == first {
				end = j
			}
		}
		if end < 0 {
			end = j
		}
		if end-i >= minEntries && last[first] > i {
			clear(heads[i:end])
		}
		i = j
	}
}

// outlineDrafts groups paragraphs under the headings marked in lay. The
// first draft is the preamble, with an empty heading; it may be empty.
func outlineDrafts(paras []string, lay *layout) []draft {
	drafts := []draft{{level: -1}}
	cur := &drafts[0]
	for i, p := range paras {
		first, _ := cutLine(p)
		switch {
		case lay.heads[i] && lay.scheme == outlineChapter:
			level, _ := chapterLevel(first)
			heading := stripHeadingMarkers(first)
			if cur.heading != "" && len(cur.paras) == 0 && cur.level >= 0 && cur.level < level {
				// 第一编 总则 directly followed by 第一章 一般规定: one section, not an empty one.
				cur.heading += " " + heading
				cur.level = level
			} else {
				drafts = append(drafts, draft{heading: heading, level: level})
				cur = &drafts[len(drafts)-1]
			}
			if rest := strings.TrimSpace(p[len(first):]); rest != "" {
				cur.paras = append(cur.paras, rest)
			}
		case lay.heads[i]:
			heading, rest := splitItemHeading(p)
			drafts = append(drafts, draft{heading: heading, level: -1})
			cur = &drafts[len(drafts)-1]
			if rest != "" {
				cur.paras = append(cur.paras, rest)
			}
		case cur.level >= 0 && len(cur.paras) == 0 && isWrappedHeading(cur.heading, p):
			cur.heading += p
		default:
			cur.paras = append(cur.paras, p)
		}
	}
	return drafts
}

// cutLine returns the first line of s and what follows it.
func cutLine(s string) (first, rest string) {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// stripHeadingMarkers removes indentation, Markdown # markers and trailing
// space from line.
func stripHeadingMarkers(line string) string {
	return strings.TrimRightFunc(line[markerLen(line):], unicode.IsSpace)
}

// markerLen returns the length in bytes of the indentation and Markdown #
// markers at the start of line.
func markerLen(line string) int {
	s := strings.TrimLeftFunc(line, unicode.IsSpace)
	if t := strings.TrimLeft(s, "#"); len(t) < len(s) {
		s = strings.TrimLeftFunc(t, unicode.IsSpace)
	}
	return len(line) - len(s)
}

// Characters of Chinese numerals as used in outline numbers.
const (
	cnNumerals      = "〇零一二三四五六七八九十百千两"
	cnDigits        = "0123456789０１２３４５６７８９"
	dateDigits      = cnNumerals + cnDigits + "○OＯ"
	maxNumeralRunes = 8
)

// numeralPrefix returns the length in bytes of the run of outline numeral
// characters at the start of s, at most maxNumeralRunes of them.
func numeralPrefix(s, digits string) int {
	n := 0
	for i, r := range s {
		if n == maxNumeralRunes || !strings.ContainsRune(digits, r) {
			return i
		}
		n++
	}
	return len(s)
}

// chapterLevel reports whether line is a 第一编/第一分编/第一章/第一节
// heading line, and its depth.
func chapterLevel(line string) (level int, ok bool) {
	s := stripHeadingMarkers(line)
	rest, found := strings.CutPrefix(s, "第")
	if !found {
		return 0, false
	}
	n := numeralPrefix(rest, cnNumerals+cnDigits)
	if n == 0 {
		return 0, false
	}
	rest = rest[n:]
	for i, unit := range []string{"编", "分编", "章", "节"} {
		if after, found := strings.CutPrefix(rest, unit); found {
			level, rest, ok = i, after, true
			break
		}
	}
	if !ok {
		return 0, false
	}
	// 第一章规定的……, 第一章至第三章……: references in body text, not headings.
	rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
	for _, p := range []string{"的", "规定", "至", "、", "，", ",", "之", "所", "和第", "或第", "及第", "以外", "以下", "以上"} {
		if strings.HasPrefix(rest, p) {
			return 0, false
		}
	}
	if runesOver(s, chapterHeadingRunes) || strings.ContainsAny(s, "。！？；!?;") {
		return 0, false
	}
	return level, true
}

// isWrappedHeading reports whether para is the second line of a chapter
// heading that was broken after a comma or conjunction.
func isWrappedHeading(heading, para string) bool {
	open := false
	for _, suffix := range []string{"、", "，", ",", "和", "及", "与", "或", "的"} {
		if strings.HasSuffix(heading, suffix) {
			open = true
			break
		}
	}
	if !open || strings.ContainsRune(para, '\n') || strings.ContainsAny(para, "。！？；：!?;:") {
		return false
	}
	if runesOver(heading+para, wrappedHeadingRunes) {
		return false
	}
	return !isArticle(para) && !isItemHeading(para) && !isItemSubheading(para)
}

// isItemHeading reports whether line starts with an outline item number
// such as 一、 or 二十三、.
func isItemHeading(line string) bool {
	s := stripHeadingMarkers(line)
	n := numeralPrefix(s, cnNumerals)
	return n > 0 && strings.HasPrefix(s[n:], "、")
}

// splitItemHeading cuts a paragraph that starts with 一、 into its heading
// and the rest of its text. A short first line is the heading; in a long one
// the heading ends after the first sentence or clause.
func splitItemHeading(para string) (heading, rest string) {
	first, _ := cutLine(para)
	start := markerLen(first)
	cut := len(first)
	if runesOver(first, itemHeadingRunes) {
		cut = headingCut(first[start:]) + start
	}
	return strings.TrimSpace(para[start:cut]), strings.TrimSpace(para[cut:])
}

// headingCut returns the byte offset where the heading of a long 一、 line
// ends: after its first sentence or clause end, else the whole line if it is
// not too long, else after its first comma, else after itemHeadingRunes.
func headingCut(line string) int {
	comma, hard := -1, -1
	n := 0
	for i := 0; i < len(line); {
		if n == itemSentenceRunes {
			if comma < 0 {
				return hard
			}
			return comma
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		n++
		if n == itemHeadingRunes {
			hard = i
		}
		switch r {
		case '。', '；', '：', '！', '？', ';', ':', '!', '?':
			return afterClosers(line, i)
		case '，', ',':
			if comma < 0 {
				comma = i
			}
		}
	}
	return len(line)
}

// afterClosers moves i past closing quotes and brackets, so that a cut after
// 。 does not leave the ” that belongs to the sentence on the other side.
func afterClosers(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isCloser(r) {
			break
		}
		i += size
	}
	return i
}

func isCloser(r rune) bool {
	return strings.ContainsRune("”’」』）)】", r)
}

// isItemSubheading reports whether para starts with a second-level item
// number, （一） or (一).
func isItemSubheading(para string) bool {
	for _, brackets := range [][2]string{{"（", "）"}, {"(", ")"}} {
		if rest, ok := strings.CutPrefix(para, brackets[0]); ok {
			n := numeralPrefix(rest, cnNumerals)
			if n > 0 && strings.HasPrefix(rest[n:], brackets[1]) {
				return true
			}
		}
	}
	return false
}

// isArticle reports whether para starts with an article number, 第一条.
func isArticle(para string) bool {
	rest, ok := strings.CutPrefix(para, "第")
	if !ok {
		return false
	}
	n := numeralPrefix(rest, cnNumerals+cnDigits)
	return n > 0 && strings.HasPrefix(rest[n:], "条")
}

// splitClosing moves the closing block at the end of the last draft into a
// draft of its own.
func splitClosing(drafts []draft) []draft {
	last := &drafts[len(drafts)-1]
	if len(last.paras) == 0 {
		return drafts
	}
	k := closingStart(last.paras)
	// In a document without headings the closing is never the whole text.
	if k < 0 || (k == 0 && len(drafts) == 1) {
		return drafts
	}
	closing := draft{level: -1, paras: last.paras[k:]}
	last.paras = last.paras[:k]
	return append(drafts, closing)
}

// closingStart returns the index of the paragraph that starts the closing
// block of paras, or -1. Only the last few short paragraphs are candidates.
func closingStart(paras []string) int {
	lo, budget := len(paras), closingRunes
	for lo > 0 && len(paras)-lo < closingParas {
		n := runeCountUpTo(paras[lo-1], budget+1)
		if n > budget {
			break
		}
		budget -= n
		lo--
	}
	tail := paras[lo:]
	for i, p := range tail {
		if strings.HasPrefix(p, "感谢") {
			return lo + i
		}
	}
	for i, p := range tail {
		for _, prefix := range []string{"联系单位", "联系人", "联系电话", "联系方式"} {
			if strings.HasPrefix(p, prefix) {
				return lo + i
			}
		}
	}
	if k := signatureStart(tail); k >= 0 {
		return lo + k
	}
	return -1
}

// signatureStart finds the issuing office and date that end a letter:
// 国务院办公厅 / 一九九六年二月六日, optionally followed by notes such as
// （本文有删减）. It returns the index of the first office line, or -1.
func signatureStart(paras []string) int {
	end := len(paras)
	for notes := 0; notes < trailingNotes && end > 0 && isTrailingNote(paras[end-1]); notes++ {
		end--
	}
	if end == 0 {
		return -1
	}
	k := end - 1
	dateLine := paras[k]
	lines := strings.Split(dateLine, "\n")
	if !isDateLine(lines[len(lines)-1]) {
		return -1
	}
	offices := 0
	for _, l := range lines[:len(lines)-1] {
		if !isOfficeLine(l) {
			return -1
		}
		offices++
	}
	for k > 0 && offices < officeLines && isOfficeLine(paras[k-1]) {
		k--
		offices++
	}
	if offices == 0 {
		return -1
	}
	return k
}

func isTrailingNote(p string) bool {
	open := strings.HasPrefix(p, "（") || strings.HasPrefix(p, "(")
	closed := strings.HasSuffix(p, "）") || strings.HasSuffix(p, ")")
	return open && closed && !strings.ContainsRune(p, '\n') && !runesOver(p, trailingNoteRunes)
}

// isOfficeLine reports whether p could name an issuing office: one short
// line, no sentence punctuation, no digits, not a table row.
func isOfficeLine(p string) bool {
	p = strings.TrimSpace(p)
	if p == "" || strings.ContainsRune(p, '\n') || runesOver(p, officeLineRunes) {
		return false
	}
	if strings.ContainsAny(p, "。，；：！？,;:!?"+cnDigits) || strings.Contains(p, "　　") {
		return false
	}
	return !isDateLine(p) && !isItemHeading(p)
}

// isDateLine reports whether s is just a date such as 二〇〇五年七月十四日
// or 2018年11月5日.
func isDateLine(s string) bool {
	s = strings.TrimSpace(s)
	for _, unit := range []string{"年", "月", "日"} {
		n := numeralPrefix(s, dateDigits)
		if n == 0 {
			return false
		}
		rest, ok := strings.CutPrefix(strings.TrimLeftFunc(s[n:], unicode.IsSpace), unit)
		if !ok {
			return false
		}
		s = strings.TrimLeftFunc(rest, unicode.IsSpace)
	}
	return s == ""
}

// runesOver reports whether s has more than n runes, without counting all
// of a long s.
func runesOver(s string, n int) bool {
	return runeCountUpTo(s, n+1) > n
}

// runeCountUpTo counts the runes of s, stopping at limit.
func runeCountUpTo(s string, limit int) int {
	if len(s) <= limit {
		return utf8.RuneCountInString(s)
	}
	n := 0
	for range s {
		n++
		if n == limit {
			break
		}
	}
	return n
}

// piece is a unit of text that chunkText never cuts: a group of paragraphs,
// a paragraph, a sentence, or a hard-cut run of runes.
type piece struct {
	text  string
	runes int
	// glued pieces continue the previous piece's paragraph: no separator.
	glued bool
}

const paraSep = "\n\n"

// chunkText joins paras into one text, or, if that is longer than
// splitRunes, into several of at most chunkRunes each. It cuts between
// sub-sections (paragraphs for which isSub is true start one); inside
// sub-sections longer than splitRunes between paragraphs; inside paragraphs
// longer than chunkRunes after sentences; and, as a last resort, inside a
// sentence.
func chunkText(paras []string, isSub func(string) bool) []string {
	total := 0
	for _, p := range paras {
		total += utf8.RuneCountInString(p)
	}
	total += utf8.RuneCountInString(paraSep) * max(len(paras)-1, 0)
	if total <= splitRunes {
		return []string{strings.Join(paras, paraSep)}
	}

	var pieces []piece
	addGroup := func(group []string) {
		n := 0
		for _, p := range group {
			n += utf8.RuneCountInString(p)
		}
		n += utf8.RuneCountInString(paraSep) * (len(group) - 1)
		if n <= splitRunes {
			pieces = append(pieces, piece{text: strings.Join(group, paraSep), runes: n})
			return
		}
		for _, p := range group {
			pieces = appendParagraph(pieces, p)
		}
	}
	start := 0
	for i, p := range paras {
		if i > start && isSub(p) {
			addGroup(paras[start:i])
			start = i
		}
	}
	if start < len(paras) {
		addGroup(paras[start:])
	}
	return pack(pieces)
}

// appendParagraph appends p as one piece, or, if it is longer than
// chunkRunes, as its sentences, and sentences longer than that in runs of
// chunkRunes runes.
func appendParagraph(pieces []piece, p string) []piece {
	n := utf8.RuneCountInString(p)
	if n <= chunkRunes {
		return append(pieces, piece{text: p, runes: n})
	}
	glued := false
	add := func(s string, n int) {
		pieces = append(pieces, piece{text: s, runes: n, glued: glued})
		glued = true
	}
	start, runes := 0, 0
	for i := 0; i < len(p); {
		if runes == chunkRunes {
			add(p[start:i], runes)
			start, runes = i, 0
		}
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		runes++
		switch r {
		case '。', '！', '？', '；', '!', '?', ';':
			for i < len(p) && runes < chunkRunes {
				c, size := utf8.DecodeRuneInString(p[i:])
				if !isCloser(c) {
					break
				}
				i += size
				runes++
			}
			add(p[start:i], runes)
			start, runes = i, 0
		}
	}
	if start < len(p) {
		add(p[start:], runes)
	}
	return pieces
}

// pack joins consecutive pieces into chunks of up to splitRunes runes; a
// piece longer than that is a chunk of its own.
func pack(pieces []piece) []string {
	var chunks []string
	var b strings.Builder
	runes := 0
	flush := func() {
		if b.Len() > 0 {
			if t := strings.TrimSpace(b.String()); t != "" {
				chunks = append(chunks, t)
			}
		}
		b.Reset()
		runes = 0
	}
	sepRunes := utf8.RuneCountInString(paraSep)
	for _, pc := range pieces {
		sep, n := "", pc.runes
		if b.Len() > 0 && !pc.glued {
			sep, n = paraSep, n+sepRunes
		}
		if b.Len() > 0 && runes+n > splitRunes {
			flush()
			sep, n = "", pc.runes
		}
		b.WriteString(sep)
		b.WriteString(pc.text)
		runes += n
	}
	flush()
	return chunks
}

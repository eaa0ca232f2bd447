package index

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Anchors gives each section of r a permalink anchor that depends on the
// section's text alone: s- and eight hex digits of the SHA-256 of its
// heading and text. A section's number moves when one is added or removed
// before it; its anchor stays as long as its own words do, across edits
// elsewhere and reindexing. Sections with the same text (two empty ones)
// get -2, -3 … in order.
func (r *Reply) Anchors() []string {
	out := make([]string, len(r.Sections))
	seen := map[string]int{}
	for i, s := range r.Sections {
		a := sectionAnchor(s.Heading, s.Text)
		seen[a]++
		if n := seen[a]; n > 1 {
			a += "-" + strconv.Itoa(n)
		}
		out[i] = a
	}
	return out
}

// sectionAnchor is the anchor of a section with this heading and text (a
// hit's; see Anchors for the suffix of a repeated one).
func sectionAnchor(heading, text string) string {
	sum := sha256.Sum256([]byte(heading + "\n" + text))
	return "s-" + hex.EncodeToString(sum[:4])
}

// SectionRef finds a section by its number (3) or its anchor (s-1a2b3c4d,
// the permalink's): -1 when r has none such.
func (r *Reply) SectionRef(ref string) int {
	if n, err := strconv.Atoi(ref); err == nil {
		if n >= 0 && n < len(r.Sections) && strconv.Itoa(n) == ref {
			return n
		}
		return -1
	}
	for i, a := range r.Anchors() {
		if a == ref {
			return i
		}
	}
	return -1
}

// Citation is a section cited the ways a Chinese newsroom does.
type Citation struct {
	DocID   string `json:"doc_id"`
	Section int    `json:"section"`
	Anchor  string `json:"anchor"`
	// Issuer is the body that issued the document (the answering ministry
	// of a reply, else its publisher); empty when it says none. Issuers
	// are its bodies, several for a document issued jointly.
	Issuer  string   `json:"issuer"`
	Issuers []string `json:"issuers"`
	Title   string   `json:"title"`
	Date    string   `json:"date"` // 2020年11月7日; empty when undated
	Heading string   `json:"heading"`
	URL     string   `json:"url"`
	// Text is the section's text, to quote from.
	Text string `json:"text"`
	// Forms are the citation written out: Report, for a news story
	// (工业和信息化部在《……》（2020年11月7日）中“二、……”部分答复); Reference,
	// GB/T 7714—2015's form for an online document; Short, for a caption
	// or a footnote.
	Forms CitationForms `json:"forms"`
}

// CitationForms are the written forms of a Citation.
type CitationForms struct {
	Report    string `json:"report"`
	Reference string `json:"reference"`
	Short     string `json:"short"`
}

// Cite cites section n of r, whose page is at url (the permalink, with the
// section's anchor); accessed is the day the reference form says the page
// was read.
func (r *Reply) Cite(n int, url string, accessed time.Time) (Citation, error) {
	if n < 0 || n >= len(r.Sections) {
		return Citation{}, fmt.Errorf("%w: %s has no section %d (it has %d)", ErrNotFound, r.DocID, n, len(r.Sections))
	}
	s := r.Sections[n]
	issuers := r.issuers()
	c := Citation{DocID: r.DocID, Section: n, Anchor: r.Anchors()[n], Issuer: strings.Join(issuers, "、"), Issuers: issuers,
		Title: strings.TrimSpace(r.Title), Heading: s.Heading, URL: url, Text: s.Text}
	if c.Issuers == nil {
		c.Issuers = []string{}
	}
	if !r.Date.IsZero() {
		d := r.Date.In(shanghai)
		c.Date = fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day())
	}
	title := "《" + strings.Trim(c.Title, "《》") + "》"
	part := "正文"
	if c.Heading != "" {
		part = "“" + c.Heading + "”部分"
	}
	// Report: 工业和信息化部在《……》（2020年11月7日）中“二、……”部分指出。
	var report strings.Builder
	if c.Issuer != "" {
		report.WriteString(c.Issuer + "在")
	}
	report.WriteString(title)
	if c.Date != "" {
		report.WriteString("（" + c.Date + "）")
	}
	report.WriteString("中" + part + "写道：“" + firstSentence(s.Text) + "”（" + url + "）")
	c.Forms.Report = report.String()

	// GB/T 7714—2015: 责任者. 题名[EB/OL]. (发布日期)[引用日期]. 获取路径.
	// Several bodies are several authors, separated by commas.
	var ref strings.Builder
	if len(issuers) > 0 {
		ref.WriteString(strings.Join(issuers, ", ") + ". ")
	}
	ref.WriteString(strings.Trim(c.Title, "《》") + "[EB/OL]. ")
	if !r.Date.IsZero() {
		ref.WriteString("(" + r.Date.In(shanghai).Format("2006-01-02") + ")")
	}
	ref.WriteString("[" + accessed.In(shanghai).Format("2006-01-02") + "]. " + url + ".")
	c.Forms.Reference = ref.String()

	short := []string{title}
	var meta []string
	if c.Issuer != "" {
		meta = append(meta, c.Issuer)
	}
	if c.Date != "" {
		meta = append(meta, c.Date)
	}
	if len(meta) > 0 {
		short = append(short, "（"+strings.Join(meta, "，")+"）")
	}
	if c.Heading != "" {
		short = append(short, c.Heading)
	}
	c.Forms.Short = strings.Join(short, " ")
	return c, nil
}

// issuers are the bodies that issued r: the ministry that answered a
// reply, else each body its front matter's publisher names.
func (r *Reply) issuers() []string {
	if r.Info.Ministry != "" {
		return []string{r.Info.Ministry}
	}
	p, _ := r.Meta["publisher"].(string)
	return SplitIssuers(p)
}

// firstSentence is the start of a section's text, up to its first full
// stop (or 80 characters): what a report quotes.
func firstSentence(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	rs := []rune(text)
	for i, r := range rs {
		if r == '。' || r == '！' || r == '？' || r == '；' {
			return string(rs[:i+1])
		}
		if i == 80 {
			return string(rs[:i]) + "……"
		}
	}
	return text
}

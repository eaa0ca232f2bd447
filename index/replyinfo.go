package index

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govsearch/govsearch/analyzer"
)

// Kinds of reply.
const (
	KindProposal   = "提案答复" // to a CPPCC member's proposal
	KindSuggestion = "建议答复" // to an NPC deputy's suggestion
	KindMotion     = "议案答复" // to an NPC motion
	KindLetter     = "复函"   // a letter answering a request
)

// ReplyInfo is what an official reply says about itself: who asked, at
// which session, what, and which body answered when. Every field is empty
// for a document that is not a reply. Text fields are in normalized form
// (simplified characters, half-width digits), as searches compare them.
type ReplyInfo struct {
	Kind string `json:"kind,omitempty"`
	// Body is the assembly the proposal or suggestion went to: 全国政协,
	// 全国人大, or a local one (广东省政协).
	Body string `json:"body,omitempty"`
	// Term and Session: 十三届三次 is term 13, session 3.
	Term    int `json:"term,omitempty"`
	Session int `json:"session,omitempty"`
	// ProposalNo is the number of the proposal or suggestion (2524);
	// ProposalCategory its number within a category (公交邮电类240号).
	ProposalNo       int    `json:"proposal_no,omitempty"`
	ProposalCategory string `json:"proposal_category,omitempty"`
	ProposalTitle    string `json:"proposal_title,omitempty"`
	// Addressees are the names the reply is addressed to (张连起; or an
	// office such as 中国气象局), and AddresseeRole what they are (委员,
	// 代表).
	Addressees    []string `json:"addressee,omitempty"`
	AddresseeRole string   `json:"addressee_role,omitempty"`
	// Ministry is the answering body; ContactUnit the office named for
	// contact (工业和信息化部规划司).
	Ministry    string `json:"ministry,omitempty"`
	ContactUnit string `json:"contact_unit,omitempty"`
	// ReplyDate is the date the reply is signed with, zero when it has none.
	ReplyDate time.Time `json:"reply_date,omitzero"`
}

// IsZero reports whether nothing was extracted.
func (ri ReplyInfo) IsZero() bool {
	return ri.Kind == "" && ri.Body == "" && ri.Term == 0 && ri.Session == 0 && ri.ProposalNo == 0 &&
		ri.ProposalCategory == "" && ri.ProposalTitle == "" && len(ri.Addressees) == 0 && ri.AddresseeRole == "" &&
		ri.Ministry == "" && ri.ContactUnit == "" && ri.ReplyDate.IsZero()
}

var (
	// 政协十三届全国委员会第三次会议, 全国政协十届三次会议, 十届全国人大四次会议.
	reTermSession = regexp.MustCompile(`([一二三四五六七八九十]+)届(?:全国委员会|全国人大|全国人民代表大会|[^届次，。]{0,8}?)第?([一二三四五六七八九十]+)次(?:全体)?会议`)
	reNumber      = regexp.MustCompile(`会议第(\d+)号`)
	reCategory    = regexp.MustCompile(`[（(]([\p{Han}]{1,8}类\d+号)[）)]`)
	reLetterTitle = regexp.MustCompile(`(答复的函|的答复|复函)$`)
	reSalutation  = regexp.MustCompile(`^([\p{Han}·、，,（）()]{2,80}?)(等)?(委员|代表|副主席|主席)?(们)?[：:]$`)
	reQuotedTitle = regexp.MustCompile(`提出的《([^》]{2,200})》`)
	reBareTitle   = regexp.MustCompile(`提出的(关于[^，。；]{2,200}?的(?:提案|建议|议案))`)
	reCNDate      = regexp.MustCompile(`^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$`)
	reDate        = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日$`)
	reContact     = regexp.MustCompile(`^联系(?:单位|人)(?:及电话)?[：:]\s*(.*)$`)
	rePhone       = regexp.MustCompile(`[\s　]*(?:电话[：:]?)?[\d\-－—()（）\s]{7,}$`)
	reOrgPrefix   = regexp.MustCompile(`^(.{2,30}?(?:部|委员会|委|总局|局|署|院|办公厅|银行|中心))`)
	reBody        = regexp.MustCompile(`([\p{Han}]{2,8}?(?:省|市|自治区|县|区))(政协|人大)`)
)

// ExtractReplyInfo reads what a reply says about itself from its title and
// text (title, the body's lines in order) and its front matter: keys named
// like the JSON fields of ReplyInfo override what is extracted. It is a
// pure function: no index, no I/O.
func ExtractReplyInfo(title string, lines []string, meta map[string]any) ReplyInfo {
	var ri ReplyInfo
	norm := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(analyzer.NormalizeString(l)); l != "" {
			norm = append(norm, l)
		}
	}
	title = strings.TrimSpace(analyzer.NormalizeString(title))
	// The letter's own title: the document's, or, when the document is
	// titled like a news item, the first line of the text.
	letter := ""
	for _, t := range append([]string{title}, first(norm, 2)...) {
		if reLetterTitle.MatchString(t) {
			letter = t
			break
		}
	}
	switch {
	case letter == "":
	case strings.Contains(letter, "议案"):
		ri.Kind = KindMotion
	case strings.Contains(letter, "提案"):
		ri.Kind = KindProposal
	case strings.Contains(letter, "建议") && strings.Contains(letter, "会议"):
		ri.Kind = KindSuggestion
	case strings.HasSuffix(letter, "复函") || strings.HasSuffix(letter, "答复的函") || strings.HasSuffix(letter, "的答复"):
		ri.Kind = KindLetter
	}
	if ri.Kind != "" {
		ri.extract(letter, norm, meta)
	}
	ri.override(meta)
	return ri
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// extract fills the fields of a reply from its letter title and lines.
func (ri *ReplyInfo) extract(letter string, lines []string, meta map[string]any) {
	head := strings.Join(first(lines, 6), "\n")
	if m := reBody.FindStringSubmatch(letter); m != nil {
		place := strings.TrimPrefix(strings.TrimPrefix(m[1], "关于"), "对")
		ri.Body = place + m[2]
	} else if strings.Contains(letter, "人大") || strings.Contains(letter, "人民代表大会") {
		ri.Body = "全国人大"
	} else if strings.Contains(letter, "政协") {
		ri.Body = "全国政协"
	}
	if m := reTermSession.FindStringSubmatch(letter); m != nil {
		ri.Term, ri.Session = chineseNumber(m[1]), chineseNumber(m[2])
	}
	if m := reNumber.FindStringSubmatch(letter); m != nil {
		ri.ProposalNo, _ = strconv.Atoi(m[1])
	}
	if m := reCategory.FindStringSubmatch(letter); m != nil {
		ri.ProposalCategory = m[1]
	}
	if m := reQuotedTitle.FindStringSubmatch(head); m != nil {
		ri.ProposalTitle = m[1]
	} else if m := reBareTitle.FindStringSubmatch(head); m != nil {
		ri.ProposalTitle = m[1]
	}
	// The salutation: the first short line ending with a colon, before the
	// text proper.
	for _, l := range first(lines, 4) {
		if utf8.RuneCountInString(l) > 90 {
			continue
		}
		if m := reSalutation.FindStringSubmatch(l); m != nil && !strings.Contains(m[1], "答复") {
			for _, name := range strings.FieldsFunc(m[1], func(r rune) bool { return r == '、' || r == '，' || r == ',' }) {
				if name = strings.TrimSpace(name); name != "" {
					ri.Addressees = append(ri.Addressees, name)
				}
			}
			ri.AddresseeRole = m[3]
			break
		}
	}
	// The closing: the issuing office over the date — the first such
	// pair, as attachments that follow a letter are signed too — or else
	// the last date near the end; and the contact unit.
	for i, l := range lines {
		if d, ok := parseReplyDate(l); ok && i > 0 && isOrgLine(lines[i-1]) {
			ri.ReplyDate, ri.Ministry = d, lines[i-1]
			break
		}
	}
	tail := lines[max(0, len(lines)-8):]
	for i, l := range tail {
		if m := reContact.FindStringSubmatch(l); m != nil {
			unit := m[1]
			if unit == "" && i+1 < len(tail) {
				unit = tail[i+1]
			}
			ri.ContactUnit = strings.TrimSpace(rePhone.ReplaceAllString(unit, ""))
		}
		if d, ok := parseReplyDate(l); ok && ri.ReplyDate.IsZero() {
			ri.ReplyDate = d
		}
	}
	if p, _ := meta["publisher"].(string); p != "" {
		ri.Ministry = analyzer.NormalizeString(p)
	}
	if ri.Ministry == "" && ri.ContactUnit != "" {
		if m := reOrgPrefix.FindStringSubmatch(ri.ContactUnit); m != nil {
			ri.Ministry = m[1]
		}
	}
	if ri.Ministry == "" {
		// A news-style title names the ministry before a colon: 工信部：….
		if name, _, ok := strings.Cut(letter, "："); ok && isOrgLine(name) {
			ri.Ministry = name
		}
	}
}

// isOrgLine reports whether a line looks like the name of an office
// signing a letter (国务院办公厅), not a sentence.
func isOrgLine(l string) bool {
	n := utf8.RuneCountInString(l)
	return n >= 2 && n <= 30 && !strings.ContainsAny(l, "，。；：！？") && reOrgPrefix.MatchString(l)
}

// parseReplyDate parses a signature date: 二〇〇六年十月十八日 or 2020年11月7日.
func parseReplyDate(l string) (time.Time, bool) {
	var y, m, d int
	if g := reCNDate.FindStringSubmatch(l); g != nil {
		y, m, d = numeralYear(g[1]), chineseNumber(g[2]), chineseNumber(g[3])
	} else if g := reDate.FindStringSubmatch(l); g != nil {
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
	} else {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, shanghai)
	if y < 1900 || m < 1 || m > 12 || d < 1 || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// numeralYear reads a year written digit by digit in Chinese numerals
// (二〇〇六, 二零零六).
func numeralYear(s string) int {
	y := 0
	for _, r := range strings.ReplaceAll(s, "零", "〇") {
		y = y*10 + strings.IndexRune("〇一二三四五六七八九", r)/len("〇")
	}
	return y
}

// chineseNumber reads a Chinese numeral up to 99 (十三 is 13, 二十 is 20);
// 0 when it is not one.
func chineseNumber(s string) int {
	digit := func(r rune) int { return strings.IndexRune("零一二三四五六七八九", r) / 3 }
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10
	case len(rs) == 1:
		return max(digit(rs[0]), 0)
	case len(rs) == 2 && rs[0] == '十':
		return 10 + max(digit(rs[1]), 0)
	case len(rs) == 2 && rs[1] == '十':
		return 10 * max(digit(rs[0]), 0)
	case len(rs) == 3 && rs[1] == '十':
		return 10*max(digit(rs[0]), 0) + max(digit(rs[2]), 0)
	}
	return 0
}

// override applies front matter keys named like ReplyInfo's fields.
func (ri *ReplyInfo) override(meta map[string]any) {
	str := func(key string, dst *string) {
		if v, ok := meta[key]; ok {
			if s, ok := v.(string); ok {
				*dst = analyzer.NormalizeString(s)
			}
		}
	}
	num := func(key string, dst *int) {
		switch v := meta[key].(type) {
		case int:
			*dst = v
		case float64:
			*dst = int(v)
		case string:
			if n, err := strconv.Atoi(strings.TrimSpace(analyzer.NormalizeString(v))); err == nil {
				*dst = n
			}
		}
	}
	str("kind", &ri.Kind)
	str("body", &ri.Body)
	num("term", &ri.Term)
	num("session", &ri.Session)
	num("proposal_no", &ri.ProposalNo)
	str("proposal_category", &ri.ProposalCategory)
	str("proposal_title", &ri.ProposalTitle)
	str("addressee_role", &ri.AddresseeRole)
	str("ministry", &ri.Ministry)
	str("contact_unit", &ri.ContactUnit)
	switch v := meta["addressee"].(type) {
	case string:
		ri.Addressees = []string{analyzer.NormalizeString(v)}
	case []any:
		ri.Addressees = nil
		for _, e := range v {
			if s, ok := e.(string); ok {
				ri.Addressees = append(ri.Addressees, analyzer.NormalizeString(s))
			}
		}
	}
	switch v := meta["reply_date"].(type) {
	case time.Time:
		ri.ReplyDate = v
	case string:
		if t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), shanghai); err == nil {
			ri.ReplyDate = t
		} else if t, ok := parseReplyDate(strings.TrimSpace(analyzer.NormalizeString(v))); ok {
			ri.ReplyDate = t
		}
	}
}

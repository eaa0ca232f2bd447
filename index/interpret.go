package index

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govsearch/govsearch/analyzer"
)

// Reading is one part of a query read as what it most likely names: 2020年
// as a date range, 工信部 as an issuing body. A reading ranks, it does not
// filter: a section matches the part when the reading holds for it or its
// text holds the part as typed, and sections for which it holds rank
// first, so that a wrong or partial reading never hides a document.
type Reading struct {
	// Text is the part as typed.
	Text string `json:"text"`
	// Filter is what it was read as: one of the Filter* constants.
	Filter string `json:"filter"`
	// Value is the reading's value: 2020-01-01..2020-12-31 (either end may
	// be empty), 工业和信息化部, 提案答复, 13届3次 (or 13届), 张连起.
	Value string `json:"value"`

	// part is the part's place among the query's parts; filter is the
	// reading as a request's filters, alone.
	part   int
	filter SearchRequest
}

// What a Reading became.
const (
	FilterDate      = "date"
	FilterIssuer    = "issuer"
	FilterKind      = "kind"
	FilterSession   = "session"
	FilterAddressee = "addressee"
)

// Interpretation is how a query was read (SearchRequest.Interpret).
type Interpretation struct {
	// Query is the rest of the query: the parts that were not read.
	Query    string    `json:"query"`
	Readings []Reading `json:"readings"`
}

// AsFilter is the reading as a request's filters, alone: what applying
// it strictly (the search page's 只看) adds to a request's own filters.
func (r Reading) AsFilter() SearchRequest { return r.filter }

// kindWords are the words a reporter types for the kinds of letter that
// ReplyInfo extracts.
var kindWords = map[string]string{
	"提案": "提案答复", "提案答复": "提案答复", "政协提案": "提案答复",
	"建议": "建议答复", "建议答复": "建议答复", "人大建议": "建议答复",
	"复函": "复函",
}

var (
	reYear        = regexp.MustCompile(`^((?:19|20)\d\d)年?$`)
	reNumeralYear = regexp.MustCompile(`^([〇零一二三四五六七八九]{4})年$`)
	reMonth       = regexp.MustCompile(`^((?:19|20)\d\d)年(\d{1,2})月份?$`)
	reDay         = regexp.MustCompile(`^((?:19|20)\d\d)(?:年(\d{1,2})月(\d{1,2})日|-(\d{1,2})-(\d{1,2}))$`)
	reSinceYear   = regexp.MustCompile(`^((?:19|20)\d\d)年?(?:以来|至今|以后|之后)$`)
	reBeforeYear  = regexp.MustCompile(`^((?:19|20)\d\d)年?(?:以前|之前)$`)
	reYearRange   = regexp.MustCompile(`^((?:19|20)\d\d)年?(?:-|–|—|~|至|到)((?:19|20)\d\d)年?$`)
	reRecentYears = regexp.MustCompile(`^(?:近|最近|过去)(\d{1,2}|[一二两三四五六七八九十]{1,2})年(?:来|以来)?$`)
	reTermSess    = regexp.MustCompile(`^(?:全国政协|全国人大|政协|人大)?第?([一二三四五六七八九十]{1,3})届(?:全国人大|全国政协|全国人民代表大会|全国委员会)?(?:第?([一二三四五六七八九十]{1,2})次(?:会议)?)?$`)
	reAddressee   = regexp.MustCompile(`^(\p{Han}{2,4})(委员|代表)$`)
)

// knownValues are the values the index holds of the fields a query may be
// read into, so that a part becomes a filter only when some document would
// pass it: a name not in the index stays a word to search for.
type knownValues struct {
	issuers, kinds, addressees map[string]bool
}

// known reads the index's issuing bodies, kinds and addressees, once per
// index (writes drop them with the facet values they come from).
func (ix *Index) known(ctx context.Context) (*knownValues, error) {
	docs, err := ix.docFacets(ctx)
	if err != nil {
		return nil, err
	}
	ix.facetsMu.Lock()
	defer ix.facetsMu.Unlock()
	if ix.knownVals != nil {
		return ix.knownVals, nil
	}
	k := &knownValues{issuers: map[string]bool{}, kinds: map[string]bool{}, addressees: map[string]bool{}}
	for _, v := range docs {
		for _, p := range v[FacetPublisher] {
			k.issuers[p] = true
		}
		for _, m := range v[FacetMinistry] {
			k.issuers[m] = true
		}
		for _, kind := range v[FacetKind] {
			k.kinds[kind] = true
		}
	}
	d, err := ix.bleve.FieldDict(fieldAddressee)
	if err != nil {
		return nil, fmt.Errorf("read addressees: %w", err)
	}
	defer d.Close()
	for e, err := d.Next(); e != nil && err == nil; e, err = d.Next() {
		k.addressees[e.Term] = true
	}
	ix.knownVals = k
	return k, nil
}

// Interpret reads dates, issuing bodies, kinds of letter, sessions and
// addressees out of q, as a reporter types them: 2020年 工信部 5G, 十三届三次
// 提案 集成电路, 张连起委员, 国务院办公厅 复函 2006. now anchors 今年 and 去年.
//
// Only unquoted parts that stand alone are read (a quoted part, an
// excluded one or one side of an OR is always searched as typed), and only
// into values the index holds. A query of one part is read only when it
// names an addressee or a session: 2020年 or 国务院 alone are searched as
// words, which is what the person most likely wants to find.
func (ix *Index) Interpret(ctx context.Context, q string, now time.Time) (Interpretation, error) {
	in := Interpretation{Query: q}
	parts := parseQuery(q)
	if len(parts) == 0 {
		return in, nil
	}
	k, err := ix.known(ctx)
	if err != nil {
		return in, err
	}
	now = now.In(shanghai)
	read := make([]bool, len(parts))
	var readings []Reading
	for i, p := range parts {
		if p.Phrase || p.Negated || p.Or || i+1 < len(parts) && parts[i+1].Or {
			continue
		}
		if r, ok := ix.readPart(p.Text, now, k); ok {
			read[i] = true
			r.part = i
			readings = append(readings, r)
		}
	}
	if len(readings) == 0 || len(parts) == 1 && readings[0].Filter != FilterAddressee && readings[0].Filter != FilterSession {
		return Interpretation{Query: q}, nil
	}
	var rest []string
	for i, p := range parts {
		if !read[i] {
			rest = append(rest, p.String())
		}
	}
	in.Query, in.Readings = strings.Join(rest, " "), readings
	return in, nil
}

// readPart reads one part of a query.
func (ix *Index) readPart(text string, now time.Time, k *knownValues) (Reading, bool) {
	t := analyzer.NormalizeString(text)
	r := Reading{Text: text}
	in := &r.filter
	if since, until, ok := readDate(t, now); ok {
		in.Since, in.Until = since, until
		r.Filter, r.Value = FilterDate, dateValue(since)+".."+dateValue(until)
		return r, true
	}
	if m := reTermSess.FindStringSubmatch(t); m != nil {
		term, session := chineseNumber(m[1]), chineseNumber(m[2])
		if term < 1 || term > 30 || m[2] != "" && session < 1 {
			return r, false
		}
		in.Term, in.Session = term, session
		r.Filter, r.Value = FilterSession, strconv.Itoa(term)+"届"
		if session > 0 {
			r.Value += strconv.Itoa(session) + "次"
		}
		return r, true
	}
	if m := reAddressee.FindStringSubmatch(t); m != nil && k.addressees[m[1]] {
		in.Addressees = append(in.Addressees, m[1])
		r.Filter, r.Value = FilterAddressee, m[1]
		return r, true
	}
	if kind, ok := kindWords[t]; ok && k.kinds[kind] {
		in.Kinds = append(in.Kinds, kind)
		r.Filter, r.Value = FilterKind, kind
		return r, true
	}
	// Every form the index holds: 公安部 and 中华人民共和国公安部 are one
	// body written two ways.
	for _, name := range ix.synonyms.Expand(t) {
		if k.issuers[name] {
			in.Issuers = append(in.Issuers, name)
		}
	}
	if len(in.Issuers) > 0 {
		r.Filter, r.Value = FilterIssuer, in.Issuers[0]
		return r, true
	}
	return r, false
}

// readDate reads a date phrase into the days it spans (either end may be
// open); ok is false when t is not one, or names a year govsearch's
// documents cannot have (before 1949 or after next year).
func readDate(t string, now time.Time) (since, until time.Time, ok bool) {
	year := func(s string) int { n, _ := strconv.Atoi(s); return n }
	valid := func(y int) bool { return y >= 1949 && y <= now.Year()+1 }
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, shanghai) }
	whole := func(y int) (time.Time, time.Time, bool) { return day(y, 1, 1), day(y, 12, 31), valid(y) }
	switch {
	case t == "今年":
		return whole(now.Year())
	case t == "去年":
		return whole(now.Year() - 1)
	case t == "前年":
		return whole(now.Year() - 2)
	}
	if m := reYear.FindStringSubmatch(t); m != nil {
		return whole(year(m[1]))
	}
	if m := reNumeralYear.FindStringSubmatch(t); m != nil {
		return whole(numeralYear(m[1]))
	}
	if m := reMonth.FindStringSubmatch(t); m != nil {
		y, mo := year(m[1]), year(m[2])
		if mo < 1 || mo > 12 {
			return since, until, false
		}
		return day(y, mo, 1), day(y, mo+1, 0), valid(y)
	}
	if m := reDay.FindStringSubmatch(t); m != nil {
		y, mo, d := year(m[1]), year(m[2]+m[4]), year(m[3]+m[5])
		date := day(y, mo, d)
		return date, date, valid(y) && date.Month() == time.Month(mo) && date.Day() == d
	}
	if m := reSinceYear.FindStringSubmatch(t); m != nil {
		return day(year(m[1]), 1, 1), time.Time{}, valid(year(m[1]))
	}
	if m := reBeforeYear.FindStringSubmatch(t); m != nil {
		return time.Time{}, day(year(m[1])-1, 12, 31), valid(year(m[1]))
	}
	if m := reYearRange.FindStringSubmatch(t); m != nil {
		from, to := year(m[1]), year(m[2])
		return day(from, 1, 1), day(to, 12, 31), valid(from) && valid(to) && from <= to
	}
	if m := reRecentYears.FindStringSubmatch(t); m != nil {
		n := year(m[1])
		if n == 0 {
			n = chineseNumber(strings.ReplaceAll(m[1], "两", "二"))
		}
		return now.AddDate(-n, 0, 0), time.Time{}, n >= 1 && n <= 50
	}
	return since, until, false
}

func dateValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

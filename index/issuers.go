package index

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// bodySuffixes end the names of state organs: what a piece of a publisher
// must end with to be read as a body of its own (国务院, 公安部, 中央军委,
// 最高人民检察院, 青岛市人民代表大会常务委员会, 国家市场监督管理总局).
var bodySuffixes = []string{"院", "部", "委", "会", "局", "署", "厅", "办", "室", "行", "中央", "政府", "中心"}

// notInBodies are words no body's name holds but the sentences that an
// extraction sometimes leaves in a publisher do (关于市人民政府向……,
// ……公司诉……人民政府).
var notInBodies = []string{"关于", "诉", "向", "的", "在", "对"}

// isBody reports whether s reads as the name of one state organ.
func isBody(s string) bool {
	if utf8.RuneCountInString(s) < 2 || slices.ContainsFunc(notInBodies, func(w string) bool { return strings.Contains(s, w) }) {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	for _, suf := range bodySuffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// SplitIssuers returns the bodies a publisher names: a document issued
// jointly (最高人民法院、最高人民检察院, 国务院、中央军委, 财政部和税务总局)
// is issued by each of them, so that filters, facets, feeds and citations
// treat it as the document of each body. Bodies are split at 、，,；; and at
// 和, 与, 及 only where every piece is a body's name (国家发展和改革委员会
// stays whole). A stray 日 that the source's extraction left before a
// body (日青岛市人民代表大会常务委员会, from the date line above it) is
// dropped; 日照市 is a city. A publisher that names no body it can split
// is its own one issuer, as written; "" names none.
func SplitIssuers(publisher string) []string {
	publisher = strings.TrimSpace(publisher)
	if publisher == "" {
		return nil
	}
	pieces := strings.FieldsFunc(publisher, func(r rune) bool { return strings.ContainsRune("、，,；;", r) })
	var bodies []string
	for _, p := range pieces {
		p = strings.TrimSpace(p)
		split := splitConjoined(p)
		if split == nil {
			return []string{publisher}
		}
		bodies = append(bodies, split...)
	}
	for i, b := range bodies {
		bodies[i] = withoutStrayDay(b)
	}
	return bodies
}

// splitConjoined splits one piece of a publisher at 和, 与 and 及 where
// each side is a body: at all of them, else at one kind alone (国家发展和
// 改革委员会与财政部 splits at 与 only); a piece that is one body is
// returned alone, one that is not a body at all gives nil.
func splitConjoined(p string) []string {
	const ands = "和与及"
	if all := strings.FieldsFunc(p, func(r rune) bool { return strings.ContainsRune(ands, r) }); len(all) > 1 && allBodies(all) {
		return all
	}
	for _, and := range ands {
		if parts := strings.Split(p, string(and)); len(parts) > 1 && allBodies(parts) {
			return parts
		}
	}
	if isBody(p) || isBody(withoutStrayDay(p)) {
		return []string{p}
	}
	return nil
}

func allBodies(parts []string) bool {
	for _, p := range parts {
		if !isBody(p) {
			return false
		}
	}
	return true
}

// withoutStrayDay drops the 日 that ends a date line from the front of a
// body's name; 日照 (a city) keeps it.
func withoutStrayDay(b string) string {
	rest, ok := strings.CutPrefix(b, "日")
	if !ok || strings.HasPrefix(rest, "照") || !isBody(rest) {
		return b
	}
	return rest
}

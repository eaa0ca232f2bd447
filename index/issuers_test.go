package index

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Joint publishers name each body; names with 和 inside stay whole.
func TestSplitIssuers(t *testing.T) {
	for _, tc := range []struct {
		publisher string
		want      []string
	}{
		{"", nil},
		{"国务院", []string{"国务院"}},
		{"最高人民法院、最高人民检察院", []string{"最高人民法院", "最高人民检察院"}},
		{"国务院、中央军委", []string{"国务院", "中央军委"}},
		{"国务院办公厅、中央军委办公厅", []string{"国务院办公厅", "中央军委办公厅"}},
		{"中共中央，国务院", []string{"中共中央", "国务院"}},
		{"财政部和国家税务总局", []string{"财政部", "国家税务总局"}},
		{"财政部与海关总署及国家税务总局", []string{"财政部", "海关总署", "国家税务总局"}},
		{"国家发展和改革委员会与财政部", []string{"国家发展和改革委员会", "财政部"}},
		{"文化和旅游部、国家发展和改革委员会", []string{"文化和旅游部", "国家发展和改革委员会"}},
		{"国家发展和改革委员会", []string{"国家发展和改革委员会"}},
		{"人力资源和社会保障部", []string{"人力资源和社会保障部"}},
		{"国家卫生和计划生育委员会", []string{"国家卫生和计划生育委员会"}},
		{"工业和信息化部", []string{"工业和信息化部"}},
		{"日青岛市人民代表大会常务委员会", []string{"青岛市人民代表大会常务委员会"}},
		{"日照市人民代表大会常务委员会", []string{"日照市人民代表大会常务委员会"}},
		{"日国家市场监督管理总局、日公安部", []string{"国家市场监督管理总局", "公安部"}},
		// Not bodies: sentences an extraction left; kept as written.
		{"关于市人民政府向市人民代表大会常务委员会", []string{"关于市人民政府向市人民代表大会常务委员会"}},
		{"最高人民法院、某某公司诉某市人民政府", []string{"最高人民法院、某某公司诉某市人民政府"}},
		{"Ministry of Commerce", []string{"Ministry of Commerce"}},
	} {
		if got := SplitIssuers(tc.publisher); !slices.Equal(got, tc.want) {
			t.Errorf("SplitIssuers(%q) = %q, want %q", tc.publisher, got, tc.want)
		}
	}
}

// shortForms are the usual short forms of the bodies the shared corpus's
// documents are published by (after SplitIssuers), as a reporter types
// them; a local people's congress standing committee is 某市人大常委会.
var shortForms = map[string]string{
	"中华人民共和国公安部":    "公安部",
	"中华人民共和国国家安全部":  "国安部",
	"中国共产党全国代表大会":   "党代会",
	"中央军委":          "军委",
	"中央军委办公厅":       "军委办公厅",
	"人力资源社会保障部":     "人社部",
	"全国人民代表大会":      "全国人大",
	"全国人民代表大会常务委员会": "全国人大常委会",
	"公安部":         "公安部",
	"国务院":         "国务院",
	"国务院办公厅":      "国办",
	"国家工商行政管理总局":  "工商总局",
	"国家市场监督管理总局":  "市场监管总局",
	"市场监督管理总局":    "市场监管总局",
	"国家知识产权局":     "国知局",
	"国家药品监督管理局":   "药监局",
	"国家食品药品监督管理局": "食药监局",
	"北京市人民政府":     "北京市政府",
	"最高人民检察院":     "最高检",
	"最高人民法院":      "最高法",
}

// notBodies are publishers of the corpus that name no body: what the
// source's extraction left of a sentence.
var notBodies = []string{"公路有限公司诉湖北省荆州市人民政府", "关于市人民政府向市人民代表大会常务委员会"}

// Every body that publishes a document of the shared corpus is read as
// that body from its usual short form (全国人大常委会, 最高法, 郑州市人大
// 常委会), as the query reader reads a part: a table over the corpus's
// publishers, so that a body the corpus gains without a short form fails.
func TestCorpusPublishersShortForms(t *testing.T) {
	corpus := os.Getenv("GOVSEARCH_CORPUS")
	if corpus == "" {
		t.Skip("set GOVSEARCH_CORPUS to the shared corpus folder")
	}
	files, err := filepath.Glob(filepath.Join(corpus, "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no documents in %s: %v", corpus, err)
	}
	publisher := regexp.MustCompile(`(?m)^publisher:\s*"?([^"\n]*)"?\s*$`)
	k := &knownValues{issuers: map[string]bool{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := publisher.FindSubmatch(b); m != nil {
			for _, body := range SplitIssuers(string(m[1])) {
				k.issuers[body] = true
			}
		}
	}
	if len(k.issuers) < 20 {
		t.Fatalf("only %d publishing bodies in the corpus", len(k.issuers))
	}
	ix := &Index{synonyms: DefaultSynonyms()}
	for body := range k.issuers {
		if slices.Contains(notBodies, body) {
			continue
		}
		short, ok := shortForms[body]
		if !ok {
			if !strings.HasSuffix(body, "人民代表大会常务委员会") {
				t.Errorf("%s publishes documents of the corpus but has no short form in the table", body)
				continue
			}
			short = strings.TrimSuffix(body, "人民代表大会常务委员会") + "人大常委会"
		}
		r, ok := ix.readPart(short, time.Now(), k)
		if !ok || r.Filter != FilterIssuer || !slices.Contains(r.filter.Issuers, body) {
			t.Errorf("%s is not read as the issuer %s: %+v (read: %v)", short, body, r, ok)
		}
	}
}

// A document issued jointly is each body's: the publisher filter and the
// reading of either body find it, the publisher facet counts it for
// both, hits and citations name both, and it keeps its publisher as
// written.
func TestJointIssuers(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for name, md := range map[string]string{
		"joint.md":         "---\ntitle: 最高人民法院、最高人民检察院关于办理邪教组织案件的解释\npublisher: 最高人民法院、最高人民检察院\ndate: 2017-01-25\n---\n\n为依法惩治组织、利用邪教组织破坏法律实施等犯罪活动，制定本解释。\n\n第一条 本解释所称邪教组织，是指冒用宗教名义建立的非法组织。\n",
		"court.md":         "---\ntitle: 最高人民法院关于审理盗窃案件的解释\npublisher: 最高人民法院\ndate: 2013-04-02\n---\n\n为依法惩治盗窃犯罪活动，制定本解释。\n",
		"procuratorate.md": "---\ntitle: 最高人民检察院关于邪教组织案件的意见\npublisher: 最高人民检察院\ndate: 1997-06-01\n---\n\n各级人民检察院办理邪教组织案件，依照本意见。\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "ix")
	if _, err := Build(ctx, BuildOptions{Source: src, Index: dir}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := func(req SearchRequest) []string {
		t.Helper()
		req.Collapse, req.Size = true, MaxSize
		res, err := ix.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.DocID)
		}
		return ids
	}
	if got := docs(SearchRequest{Publishers: []string{"最高人民检察院"}}); !sameSet(got, []string{"joint", "procuratorate"}) {
		t.Errorf("publisher 最高人民检察院: %v", got)
	}
	if got := docs(SearchRequest{Issuers: []string{"最高人民法院"}}); !sameSet(got, []string{"joint", "court"}) {
		t.Errorf("issuer 最高人民法院: %v", got)
	}
	// Both bodies read, and the document of both ranks first; the one of
	// the procuratorate alone holds 邪教组织 but not 最高人民法院.
	if got := docs(SearchRequest{Query: "最高法 最高检 邪教组织", Interpret: true}); len(got) == 0 || got[0] != "joint" {
		t.Errorf("最高法 最高检 邪教组织: %v, want joint first", got)
	}
	res, err := ix.Search(ctx, SearchRequest{Query: "邪教组织", Collapse: true, Facets: []string{FacetPublisher}})
	if err != nil {
		t.Fatal(err)
	}
	want := []FacetCount{{"最高人民检察院", 2}, {"最高人民法院", 1}}
	if !slices.Equal(res.Facets[FacetPublisher], want) {
		t.Errorf("publisher facet of 邪教组织: %v, want %v", res.Facets[FacetPublisher], want)
	}
	for _, h := range res.Hits {
		if h.DocID == "joint" && (h.Publisher != "最高人民法院、最高人民检察院" || !slices.Equal(h.Issuers, []string{"最高人民法院", "最高人民检察院"})) {
			t.Errorf("joint hit: publisher %q, issuers %q", h.Publisher, h.Issuers)
		}
	}
	doc, err := ix.Document(ctx, "joint")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Meta["publisher"] != "最高人民法院、最高人民检察院" {
		t.Errorf("the document's publisher is %v", doc.Meta["publisher"])
	}
	c, err := doc.Cite(0, "https://example.org/d/joint", time.Date(2026, 12, 2, 0, 0, 0, 0, shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Issuers, []string{"最高人民法院", "最高人民检察院"}) || c.Issuer != "最高人民法院、最高人民检察院" ||
		!strings.HasPrefix(c.Forms.Reference, "最高人民法院, 最高人民检察院. ") || !strings.HasPrefix(c.Forms.Report, "最高人民法院、最高人民检察院在《") {
		t.Errorf("citation: issuers %q, issuer %q, reference %q, report %q", c.Issuers, c.Issuer, c.Forms.Reference, c.Forms.Report)
	}
}

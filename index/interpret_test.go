package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// interpretNow is the day the interpretation tests pretend it is.
var interpretNow = time.Date(2026, 11, 27, 10, 0, 0, 0, shanghai)

// TestInterpret reads real queries, the way reporters type them, against
// the sample's values (工业和信息化部 and 国务院办公厅 answer; 张连起, 邓明义,
// 王超斌 … are addressees; 提案答复, 建议答复 and 复函 are kinds). Each want
// is the words left, then the readings.
func TestInterpret(t *testing.T) {
	ix := openSample(t)
	for _, tc := range []struct{ q, want string }{
		{"2020年 工信部 5G", "5G | date 2020年=2020-01-01..2020-12-31; issuer 工信部=工业和信息化部"},
		{"十三届三次 提案 集成电路", "集成电路 | session 十三届三次=13届3次; kind 提案=提案答复"},
		{"张连起委员", " | addressee 张连起委员=张连起"},
		{"国务院办公厅 复函 2006", " | issuer 国务院办公厅=国务院办公厅; kind 复函=复函; date 2006=2006-01-01..2006-12-31"},
		{"2019年以来 工信部 工业互联网", "工业互联网 | date 2019年以来=2019-01-01..; issuer 工信部=工业和信息化部"},
		{"去年 国办 复函", " | date 去年=2025-01-01..2025-12-31; issuer 国办=国务院办公厅; kind 复函=复函"},
		{"今年 提案 5G", "5G | date 今年=2026-01-01..2026-12-31; kind 提案=提案答复"},
		{"前年 建议 养老", "养老 | date 前年=2024-01-01..2024-12-31; kind 建议=建议答复"},
		{"近三年 工信部 芯片", "芯片 | date 近三年=2023-11-27..; issuer 工信部=工业和信息化部"},
		{"近两年 工信部 芯片", "芯片 | date 近两年=2024-11-27..; issuer 工信部=工业和信息化部"},
		{"过去十年 气象", "气象 | date 过去十年=2016-11-27.."},
		{"近5年 5G", "5G | date 近5年=2021-11-27.."},
		{"2004-2006 国办 气象", "气象 | date 2004-2006=2004-01-01..2006-12-31; issuer 国办=国务院办公厅"},
		{"2004年至2006年 复函 气象", "气象 | date 2004年至2006年=2004-01-01..2006-12-31; kind 复函=复函"},
		{"2006年9月 建议", " | date 2006年9月=2006-09-01..2006-09-30; kind 建议=建议答复"},
		{"2006年9月7日 建议答复", " | date 2006年9月7日=2006-09-07..2006-09-07; kind 建议答复=建议答复"},
		{"2006-09-07 建议", " | date 2006-09-07=2006-09-07..2006-09-07; kind 建议=建议答复"},
		{"二〇〇六年 建议 体育", "体育 | date 二〇〇六年=2006-01-01..2006-12-31; kind 建议=建议答复"},
		{"2006年以前 复函", " | date 2006年以前=..2005-12-31; kind 复函=复函"},
		{"2005年之后 建议", " | date 2005年之后=2005-01-01..; kind 建议=建议答复"},
		{"十届四次 建议", " | session 十届四次=10届4次; kind 建议=建议答复"},
		{"第十届 提案", " | session 第十届=10届; kind 提案=提案答复"},
		{"全国政协十届三次", " | session 全国政协十届三次=10届3次"},
		{"十届全国人大四次会议", " | session 十届全国人大四次会议=10届4次"},
		{"十三届 工信部", " | session 十三届=13届; issuer 工信部=工业和信息化部"},
		{"邓明义代表", " | addressee 邓明义代表=邓明义"},
		{"王超斌委员 体育", "体育 | addressee 王超斌委员=王超斌"},
		{"十届三次 邓乃扬委员", " | session 十届三次=10届3次; addressee 邓乃扬委员=邓乃扬"},
		{"2006年9月 十届四次 建议 石英代表", " | date 2006年9月=2006-09-01..2006-09-30; session 十届四次=10届4次; kind 建议=建议答复; addressee 石英代表=石英"},
		{"工业和信息化部 5G", "5G | issuer 工业和信息化部=工业和信息化部"},
		{"工業和信息化部 5G", "5G | issuer 工業和信息化部=工业和信息化部"},
		{"２０２０年 工信部 5G", "5G | date ２０２０年=2020-01-01..2020-12-31; issuer 工信部=工业和信息化部"},
		{"2006 国办", " | date 2006=2006-01-01..2006-12-31; issuer 国办=国务院办公厅"},
		{"2524 提案", "2524 | kind 提案=提案答复"},
		{"2020年 弹性产能", "弹性产能 | date 2020年=2020-01-01..2020-12-31"},
		{"建议 提案", " | kind 建议=建议答复; kind 提案=提案答复"},
		{"国办 工信部 5G", "5G | issuer 国办=国务院办公厅; issuer 工信部=工业和信息化部"},
		{`2020年 "卡脖子"`, `"卡脖子" | date 2020年=2020-01-01..2020-12-31`},
		{`"2020年" 工信部`, `"2020年" | issuer 工信部=工业和信息化部`},
		{"-2020年 工信部", "-2020年 | issuer 工信部=工业和信息化部"},
		{"2020年 OR 2021年 工信部", "2020年 OR 2021年 | issuer 工信部=工业和信息化部"},
		{"2020年13月 工信部", "2020年13月 | issuer 工信部=工业和信息化部"},
		{"国家发展改革委 2019年 价格", "国家发展改革委 价格 | date 2019年=2019-01-01..2019-12-31"},
		{"李四委员 气象", ""}, // an addressee the index does not have
		// Searched as typed: one part that is not an addressee or a
		// session, or nothing a filter could be made of.
		{"2020年", ""},
		{"２０２０年", ""},
		{"国务院", ""},
		{"工信部", ""},
		{"提案", ""},
		{"李四委员", ""},
		{"马万祺副主席", ""},
		{"2035年 规划", ""},
		{"1800年 历史", ""},
		{"2021年2月30日 通知", ""},
		{"三十一届 会议", ""},
		{"卡脖子", ""},
		{"工信部 OR 工业和信息化部", ""},
		{"", ""},
	} {
		in, err := ix.Interpret(context.Background(), tc.q, interpretNow)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if len(in.Readings) > 0 {
			var rs []string
			for _, r := range in.Readings {
				rs = append(rs, fmt.Sprintf("%s %s=%s", r.Filter, r.Text, r.Value))
			}
			got = in.Query + " | " + strings.Join(rs, "; ")
		} else if in.Query != tc.q {
			t.Errorf("%q: nothing read, yet the query became %q", tc.q, in.Query)
		}
		if got != tc.want {
			t.Errorf("%q:\n got  %q\n want %q", tc.q, got, tc.want)
		}
	}
}

// Interpreted searches rank the documents a reading holds for first,
// never hide one that holds the words as typed, and say how they read the
// query; the strict form (只看) is exactly what the filters let through;
// raw searches do not read.
func TestInterpretedSearch(t *testing.T) {
	ix := openSample(t)
	ctx := context.Background()
	docs := func(hits []Hit) []string {
		var ids []string
		for _, h := range hits {
			if !slices.Contains(ids, h.DocID) {
				ids = append(ids, h.DocID)
			}
		}
		return ids
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"2020年 工信部 5G", []string{"reply-miit-2020-2524"}},
		{"张连起委员", []string{"reply-miit-2020-2524"}},
		{"十届四次 建议", []string{"guoban/govcn-5351590", "guoban/govcn-5351593", "guoban/govcn-5351596"}},
		{"十届四次 提案", []string{"guoban/govcn-5351598"}},
		{"国务院办公厅 复函 2005", []string{"guoban/govcn-5351607"}},
		{"2004年 国办 复函", []string{"guoban/govcn-5351573", "guoban/govcn-5351624", "guoban/govcn-5351649"}},
		{"1996 复函 气象", []string{"guoban/govcn-5345413"}},
	} {
		res, err := ix.Search(ctx, SearchRequest{Query: tc.q, Interpret: true, Size: 100, Collapse: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Interpreted == nil || len(res.Interpreted.Readings) == 0 {
			t.Fatalf("%q: no interpretation in the result", tc.q)
		}
		got := docs(res.Hits)
		if len(got) < len(tc.want) || !sameSet(got[:len(tc.want)], tc.want) {
			t.Errorf("%q: first documents %v, want %v first (read as %+v)", tc.q, got, tc.want, res.Interpreted)
		}
		strict, err := ix.Search(ctx, strictly(res.Interpreted, SearchRequest{Size: 100, Collapse: true}))
		if err != nil {
			t.Fatal(err)
		}
		if s := docs(strict.Hits); !sameSet(s, tc.want) {
			t.Errorf("%q strictly: documents %v, want %v", tc.q, s, tc.want)
		}
		raw, err := ix.Search(ctx, SearchRequest{Query: tc.q, Size: 100, Collapse: true})
		if err != nil {
			t.Fatal(err)
		}
		if raw.Interpreted != nil {
			t.Errorf("%q: a raw search says it was interpreted: %+v", tc.q, raw.Interpreted)
		}
		for _, d := range docs(raw.Hits) {
			if !slices.Contains(got, d) {
				t.Errorf("%q: the reading hides %s, which holds the query as typed", tc.q, d)
			}
		}
	}
}

// strictly is req with every reading applied as a filter and the read
// parts no longer searched, as the search page's 只看 links do one by one.
func strictly(in *Interpretation, req SearchRequest) SearchRequest {
	req.Query = in.Query
	for _, r := range in.Readings {
		f := r.AsFilter()
		if !f.Since.IsZero() {
			req.Since = f.Since
		}
		if !f.Until.IsZero() {
			req.Until = f.Until
		}
		req.Issuers = append(req.Issuers, f.Issuers...)
		req.Kinds = append(req.Kinds, f.Kinds...)
		req.Addressees = append(req.Addressees, f.Addressees...)
		if f.Term > 0 {
			req.Term, req.Session = f.Term, f.Session
		}
	}
	return req
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

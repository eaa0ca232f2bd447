package index

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The reference reply: MIIT's answer to CPPCC proposal No. 2524.
var miitReplyPath = filepath.Join("..", "testdata", "replies", "reply-miit-2020-2524.md")

// badSampleDir holds awkward input files (see badDocs in bad_test.go).
var badSampleDir = filepath.Join("..", "testdata", "bad")

// replyFile builds a file from its front matter lines and body.
func replyFile(frontMatter, body string) []byte {
	return []byte("---\n" + frontMatter + "---\n\n" + body)
}

const replyBody = "　　张连起委员：\n\n　　一、关于从“产能过剩”向“弹性产能”的转变\n\n　　工业和信息化部积极贯彻落实党中央、国务院决策部署。\n"

func mustParseReply(t *testing.T, data []byte) *Reply {
	t.Helper()
	r, err := ParseReply("reply.md", "reply", data)
	if err != nil {
		t.Fatalf("ParseReply: %v", err)
	}
	return r
}

func TestParseReplyMIIT(t *testing.T) {
	data, err := os.ReadFile(miitReplyPath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply(miitReplyPath, "reply-miit-2020-2524", data)
	if err != nil {
		t.Fatal(err)
	}
	if r.DocID != "reply-miit-2020-2524" {
		t.Errorf("DocID = %q", r.DocID)
	}
	if want := "工信部：积极考虑将5G等重点领域纳入“十四五”专项规划"; r.Title != want {
		t.Errorf("Title = %q, want %q", r.Title, want)
	}
	if want := time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai); !r.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", r.Date, want)
	}
	if want := []string{"5G", "十四五", "新冠肺炎"}; !reflect.DeepEqual(r.Tags, want) {
		t.Errorf("Tags = %q, want %q", r.Tags, want)
	}
	if want := []string{"汽车"}; !reflect.DeepEqual(r.Categories, want) {
		t.Errorf("Categories = %q, want %q", r.Categories, want)
	}
	if v, ok := r.Meta["abbrlink"]; !ok || v != nil {
		t.Errorf("Meta[abbrlink] = %v, %v; want nil, true", v, ok)
	}
	if len(r.Meta) != 1 {
		t.Errorf("Meta = %v, want only abbrlink", r.Meta)
	}
	if len(r.Sections) != 8 {
		t.Fatalf("%d sections, want 8:\n%s", len(r.Sections), dump(r.Sections))
	}
	if h := r.Sections[1].Heading; !strings.Contains(h, "弹性产能") {
		t.Errorf("section 1 heading = %q, want the one about 弹性产能", h)
	}
}

func TestParseReplyGovCN(t *testing.T) {
	path := filepath.Join("..", "testdata", "replies", "guoban", "govcn-5345413.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply(path, "guoban/govcn-5345413", data)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"publisher": "国务院办公厅",
		"source":    "http://www.gov.cn/zhengce/content/2018-12/03/content_5345413.htm",
	} {
		if got, ok := r.Meta[key].(string); !ok || got != want {
			t.Errorf("Meta[%s] = %#v, want %q", key, r.Meta[key], want)
		}
	}
	if want := "国务院办公厅关于广东与香港、澳门合建自动气象站网有关问题的复函"; r.Title != want {
		t.Errorf("Title = %q, want %q", r.Title, want)
	}
	if want := time.Date(1996, 2, 6, 0, 0, 0, 0, shanghai); !r.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", r.Date, want)
	}
	if len(r.Tags) != 7 || r.Tags[1] != "国办函〔1996〕14号" {
		t.Errorf("Tags = %q", r.Tags)
	}
}

func TestParseReplyDates(t *testing.T) {
	at := time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai)
	midnight := time.Date(2020, 11, 7, 0, 0, 0, 0, shanghai)
	for _, tc := range []struct {
		name string
		line string // the date line of the front matter, "" for none
		want time.Time
	}{
		{"RFC 3339", "date: 2020-11-07T13:20:52+08:00", at},
		{"RFC 3339 UTC", "date: 2020-11-07T05:20:52Z", at},
		{"RFC 3339 quoted", `date: "2020-11-07T13:20:52+08:00"`, at},
		{"RFC 3339 fraction", "date: 2020-11-07T13:20:52.000+08:00", at},
		{"date", "date: 2020-11-07", midnight},
		{"date quoted", `date: "2020-11-07"`, midnight},
		{"date single-quoted", "date: '2020-11-07'", midnight},
		{"date and time", "date: 2020-11-07 13:20:52", at},
		{"date and time quoted", `date: "2020-11-07 13:20:52"`, at},
		{"date T time", "date: 2020-11-07T13:20:52", at},
		{"date and minutes", "date: 2020-11-07 13:20", at.Add(-52 * time.Second)},
		{"slashes", "date: 2020/11/07", midnight},
		{"explicit timestamp tag", "date: !!timestamp 2020-11-07T13:20:52+08:00", at},
		{"chinese", "date: 2020年11月7日", midnight},
		{"chinese padded", "date: 2020年11月07日", midnight},
		{"chinese quoted", `date: "2020年11月7日"`, midnight},
		{"chinese one-digit month", "date: 2021年1月5日", time.Date(2021, 1, 5, 0, 0, 0, 0, shanghai)},
		{"missing", "", time.Time{}},
		{"null", "date:", time.Time{}},
		{"empty string", `date: ""`, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fm := "title: 关于政协提案的答复\n"
			if tc.line != "" {
				fm += tc.line + "\n"
			}
			r := mustParseReply(t, replyFile(fm, replyBody))
			if tc.want.IsZero() {
				if !r.Date.IsZero() {
					t.Errorf("Date = %v, want zero", r.Date)
				}
				return
			}
			if !r.Date.Equal(tc.want) {
				t.Errorf("Date = %v, want %v", r.Date, tc.want)
			}
		})
	}
}

// TestParseDate covers the values parseDate gets from decoders other than
// yaml.v2's, which hands dates over as strings: TOML gives time.Time.
func TestParseDate(t *testing.T) {
	at := time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai)
	for _, tc := range []struct {
		name string
		v    any
		want time.Time
	}{
		{"time", at, at},
		{"time UTC", at.UTC(), at},
		{"nil", nil, time.Time{}},
		{"string", "2020-11-07 13:20:52", at},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDate(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() {
				t.Errorf("parseDate(%v) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
	for _, v := range []any{"yesterday", "2020年2月30日", "2020-13-01", 20201107, []any{"2020-11-07"}} {
		if got, err := parseDate(v); err == nil {
			t.Errorf("parseDate(%#v) = %v, want an error", v, got)
		}
	}
}

func TestParseReplyLists(t *testing.T) {
	for _, tc := range []struct {
		name string
		fm   string
		tags []string
		cats []string
	}{
		{"block lists", "tags:\n  - 5G\n  - 十四五\ncategories:\n  - 汽车\n", []string{"5G", "十四五"}, []string{"汽车"}},
		{"flow lists", "tags: [5G, 十四五]\ncategories: [汽车, 工业]\n", []string{"5G", "十四五"}, []string{"汽车", "工业"}},
		{"single strings", "tags: 复函\ncategories: 国务院政策文件\n", []string{"复函"}, []string{"国务院政策文件"}},
		{"numbers in quotes", "tags: \"5\"\ncategories: [\"2020\", \"1.5\"]\n", []string{"5"}, []string{"2020", "1.5"}},
		{"trimmed and blank items dropped", "tags: [\" 复函 \", \"\", 气象]\n", []string{"复函", "气象"}, nil},
		{"empty string", "tags: \"\"\n", nil, nil},
		{"null", "tags:\ncategories:\n", nil, nil},
		{"empty list", "tags: []\n", []string{}, nil},
		{"missing", "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustParseReply(t, replyFile("title: 复函\n"+tc.fm, replyBody))
			if len(r.Tags) != len(tc.tags) || len(tc.tags) > 0 && !reflect.DeepEqual(r.Tags, tc.tags) {
				t.Errorf("Tags = %q, want %q", r.Tags, tc.tags)
			}
			if len(r.Categories) != len(tc.cats) || len(tc.cats) > 0 && !reflect.DeepEqual(r.Categories, tc.cats) {
				t.Errorf("Categories = %q, want %q", r.Categories, tc.cats)
			}
		})
	}
}

func TestParseReplyNoFrontMatter(t *testing.T) {
	for _, tc := range []struct {
		name, body, title string
	}{
		{"heading", "# 关于政协十三届全国委员会第三次会议第2524号提案答复的函\n\n" + replyBody, "关于政协十三届全国委员会第三次会议第2524号提案答复的函"},
		{"deep heading", "### 　国务院办公厅关于印发……的通知\n\n正文。\n", "国务院办公厅关于印发……的通知"},
		{"ideographic indent", "\n\n　　国务院办公厅关于同意建立数字经济发展部际联席会议制度的函\n\n正文。\n", "国务院办公厅关于同意建立数字经济发展部际联席会议制度的函"},
		{"blank lines first", "  \n\t\n　\n第一行\n第二行\n", "第一行"},
		{"marks only first", "###\n\n关于某某的复函\n", "关于某某的复函"},
		{"long", strings.Repeat("长", 250) + "\n", strings.Repeat("长", 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustParseReply(t, []byte(tc.body))
			if r.Title != tc.title {
				t.Errorf("Title = %q, want %q", r.Title, tc.title)
			}
			if len(r.Sections) == 0 {
				t.Error("no sections")
			}
			if !r.Date.IsZero() || r.Tags != nil || r.Meta != nil {
				t.Errorf("metadata from nowhere: %+v", r)
			}
		})
	}
}

func TestParseReplyFormats(t *testing.T) {
	yaml := "title: 工信部答复\ndate: 2020-11-07T13:20:52+08:00\ntags: [5G, 十四五]\ncategories: 汽车\nsource: http://www.miit.gov.cn/\n"
	toml := "title = \"工信部答复\"\ndate = 2020-11-07T13:20:52+08:00\ntags = [\"5G\", \"十四五\"]\ncategories = \"汽车\"\nsource = \"http://www.miit.gov.cn/\"\n"
	json := "{\n  \"title\": \"工信部答复\",\n  \"date\": \"2020-11-07T13:20:52+08:00\",\n  \"tags\": [\"5G\", \"十四五\"],\n  \"categories\": \"汽车\",\n  \"source\": \"http://www.miit.gov.cn/\"\n}\n"
	for _, tc := range []struct {
		name string
		data string
	}{
		{"yaml", "---\n" + yaml + "---\n"},
		{"yaml named", "---yaml\n" + yaml + "---\n"},
		{"yaml after blank lines", "\n\n---\n" + yaml + "---\n"},
		{"toml", "+++\n" + toml + "+++\n"},
		{"toml named", "---toml\n" + toml + "---\n"},
		{"json", ";;;\n" + json + ";;;\n"},
		{"json named", "---json\n" + json + "---\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustParseReply(t, []byte(tc.data+"\n"+replyBody))
			if r.Title != "工信部答复" {
				t.Errorf("Title = %q", r.Title)
			}
			if want := time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai); !r.Date.Equal(want) {
				t.Errorf("Date = %v, want %v", r.Date, want)
			}
			if want := []string{"5G", "十四五"}; !reflect.DeepEqual(r.Tags, want) {
				t.Errorf("Tags = %q, want %q", r.Tags, want)
			}
			if want := []string{"汽车"}; !reflect.DeepEqual(r.Categories, want) {
				t.Errorf("Categories = %q, want %q", r.Categories, want)
			}
			if want := map[string]any{"source": "http://www.miit.gov.cn/"}; !reflect.DeepEqual(r.Meta, want) {
				t.Errorf("Meta = %#v, want %#v", r.Meta, want)
			}
			if want := SplitSections(replyBody); !reflect.DeepEqual(r.Sections, want) {
				t.Errorf("sections differ from the body's:\n%s", dump(r.Sections))
			}
		})
	}
}

// TestParseReplyTOMLLocalDates checks that TOML dates without a zone, which
// the decoder puts in the machine's zone, are in China's like YAML ones.
func TestParseReplyTOMLLocalDates(t *testing.T) {
	for _, tc := range []struct {
		date string
		want time.Time
	}{
		{"2020-11-07", time.Date(2020, 11, 7, 0, 0, 0, 0, shanghai)},
		{"2020-11-07T13:20:52", time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai)},
		{"2020-11-07 13:20:52", time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai)},
		{"2020-11-07T05:20:52Z", time.Date(2020, 11, 7, 13, 20, 52, 0, shanghai)},
	} {
		r := mustParseReply(t, []byte("+++\ntitle = \"答复\"\ndate = "+tc.date+"\n+++\n\n"+replyBody))
		if !r.Date.Equal(tc.want) {
			t.Errorf("date = %s: Date = %v, want %v", tc.date, r.Date, tc.want)
		}
	}
}

func TestParseReplyLineEnds(t *testing.T) {
	lf, err := os.ReadFile(miitReplyPath)
	if err != nil {
		t.Fatal(err)
	}
	want := mustParseReply(t, lf)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"CRLF", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))},
		{"CR", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r"))},
		{"BOM", append([]byte("\ufeff"), lf...)},
		{"BOM and CRLF", append([]byte("\ufeff"), bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustParseReply(t, tc.data)
			if !reflect.DeepEqual(got.Sections, want.Sections) {
				t.Errorf("sections differ from LF's:\n%s", dump(got.Sections))
			}
			if got.Title != want.Title || !got.Date.Equal(want.Date) ||
				!reflect.DeepEqual(got.Tags, want.Tags) || !reflect.DeepEqual(got.Categories, want.Categories) ||
				!reflect.DeepEqual(got.Meta, want.Meta) {
				t.Errorf("front matter differs from LF's: got %+v", got)
			}
		})
	}
}

// numberedLines makes an n-line file; at[14] is its 14th line.
func numberedLines(n int, at map[int]string) []byte {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if s, ok := at[i]; ok {
			b.WriteString(s)
		} else {
			b.WriteString("　　工业和信息化部积极贯彻落实党中央、国务院决策部署。")
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func TestParseReplyErrors(t *testing.T) {
	fm := map[int]string{1: "---", 2: "title: 关于政协提案的答复", 3: "date: 2020-11-07", 4: "---", 5: ""}
	with := func(m map[int]string, extra map[int]string) map[int]string {
		out := map[int]string{}
		for k, v := range m {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	invalid := numberedLines(20, with(fm, map[int]string{14: "　　工业和信息化部\xff\xfe积极贯彻落实党中央决策部署。"}))
	for _, tc := range []struct {
		name string
		data []byte
		err  error
		line int
		msg  string // in the error's text
	}{
		{"invalid UTF-8 on line 14", invalid, ErrEncoding, 14, "UTF-8"},
		{"invalid UTF-8 on line 14 CRLF", bytes.ReplaceAll(invalid, []byte("\n"), []byte("\r\n")), ErrEncoding, 14, "UTF-8"},
		{"invalid UTF-8 on line 14 CR", bytes.ReplaceAll(invalid, []byte("\n"), []byte("\r")), ErrEncoding, 14, "UTF-8"},
		{"invalid UTF-8 after BOM", append([]byte("\ufeff"), invalid...), ErrEncoding, 14, "UTF-8"},
		{"truncated rune at the end", []byte("---\ntitle: 答复\n---\n\n正文\xe5\xb7"), ErrEncoding, 5, "UTF-8"},
		{"NUL byte", numberedLines(9, with(fm, map[int]string{7: "　　你部关于建立部际联席会议制度的请\x00示收悉。"})), ErrEncoding, 7, "NUL"},
		{"UTF-16 cut in the middle of a character", []byte("\xff\xfe-\x00-\x00-\x00\n\x00\x00"), ErrEncoding, 0, "odd number of bytes"},
		{"UTF-16 with an unpaired surrogate", []byte("\xff\xfe-\x00-\x00-\x00\n\x00-\x00-\x00-\x00\n\x00\n\x00\x00\xd8\n\x00"), ErrEncoding, 4, "surrogate"},
		{"UTF-8 with a few bytes of GBK", numberedLines(20, with(fm, map[int]string{14: "　　工业和信息化部\xb9\xfa\xce\xf1\xd4\xba积极贯彻落实党中央决策部署。"})), ErrEncoding, 14, "invalid UTF-8"},
		{"neither UTF-8 nor GB18030", []byte("---\ntitle: \x81\x20\xff\xfe\n---\n"), ErrEncoding, 2, "not GBK or GB18030"},
		{"GB18030 that reads as no Chinese", []byte("---\ntitle: \xa8\xa6\xa8\xa6\xa8\xa6\n---\n"), ErrEncoding, 2, "not GBK or GB18030"},

		// Front matter on lines 1 to 6; yaml counts from line 2.
		{"yaml tab on line 4", []byte("---\ntitle: 答复\ndate: 2020-11-07\n\tsource: x\n---\n\n正文。\n"), ErrFrontMatter, 4, "tab"},
		{"yaml mapping in value on line 2", []byte("---\ntitle: 答复: 关于提案\ndate: 2020-11-07\n---\n\n正文。\n"), ErrFrontMatter, 2, "mapping values"},
		{"yaml bad indentation on line 4", []byte("---\ntitle: 答复\ndate: 2020-11-07\n publisher: 工业和信息化部\n---\n\n正文。\n"), ErrFrontMatter, 4, "front matter line 3"},
		{"yaml key not indented on line 6", []byte("---\ntitle: 答复\ndate: 2020-11-07\ntags:\n  - 复函\n source: x\n---\n\n正文。\n"), ErrFrontMatter, 6, "front matter line 5: did not find expected key"},
		{"yaml key misaligned on line 6", []byte("---\ntitle: 答复\ndate: 2020-11-07\ntags:\n  - 复函\n  source: x\n---\n\n正文。\n"), ErrFrontMatter, 6, "did not find expected '-' indicator"},
		// yaml stops at the token after the list it expected closed.
		{"yaml unclosed list", []byte("---\ntitle: 答复\ntags: [复函, 气象\nsource: x\n---\n\n正文。\n"), ErrFrontMatter, 4, "did not find expected ',' or ']'"},
		{"yaml after blank lines", []byte("\n\n---\ntitle: 答复\ndate: 2020-11-07\n publisher: 工业和信息化部\n---\n\n正文。\n"), ErrFrontMatter, 6, "mapping values"},
		{"yaml CRLF", []byte("---\r\ntitle: 答复\r\ndate: 2020-11-07\r\ntags:\r\n  - 复函\r\n source: x\r\n---\r\n\r\n正文。\r\n"), ErrFrontMatter, 6, "did not find expected key"},
		{"yaml list at top", []byte("---\n- 复函\n- 气象\n---\n\n正文。\n"), ErrFrontMatter, 2, "cannot unmarshal"},
		{"yaml list key on line 3", []byte("---\ntitle: 答复\n[1, 2]: x\n---\n\n正文。\n"), ErrFrontMatter, 3, "cannot unmarshal"},
		{"toml on line 3", []byte("+++\ntitle = \"答复\"\ndate = \n+++\n\n正文。\n"), ErrFrontMatter, 3, "date"},
		{"json", []byte(";;;\n{\"title\": \"答复\",}\n;;;\n\n正文。\n"), ErrFrontMatter, 2, "invalid character"},

		{"unterminated", []byte("---\ntitle: 答复\ndate: 2020-11-07\n\n正文。\n"), ErrFrontMatter, 1, "never closed"},
		{"unterminated after blank lines", []byte("\n  \n---\ntitle: 答复\n\n正文。\n"), ErrFrontMatter, 3, "never closed"},
		{"unterminated toml", []byte("+++\ntitle = \"答复\"\n\n正文。\n"), ErrFrontMatter, 1, "never closed"},
		{"unterminated at end", []byte("---\n"), ErrFrontMatter, 1, "never closed"},

		{"date yesterday", []byte("---\ntitle: 答复\ntags: [复函]\ndate: yesterday\n---\n\n正文。\n"), ErrFrontMatter, 4, `date: "yesterday" is not a date`},
		{"date impossible", []byte("---\ntitle: 答复\ndate: 2020年2月30日\n---\n\n正文。\n"), ErrFrontMatter, 3, "date: "},
		{"date a list", []byte("---\ntitle: 答复\ndate:\n  - 2020-11-07\n---\n\n正文。\n"), ErrFrontMatter, 3, "want a date, got a list"},
		{"date toml", []byte("+++\ntitle = \"答复\"\ndate = \"yesterday\"\n+++\n\n正文。\n"), ErrFrontMatter, 3, "yesterday"},
		{"tags mapping", []byte("---\ntitle: 答复\ndate: 2020-11-07\ntags:\n  主题: 气象\n---\n\n正文。\n"), ErrFrontMatter, 4, "tags: want a list or a single value, got a mapping"},
		{"tags flow mapping", []byte("---\ntitle: 答复\ntags: {主题: 气象}\n---\n\n正文。\n"), ErrFrontMatter, 3, "tags:"},
		{"categories list of mappings", []byte("---\ntitle: 答复\ncategories:\n  - 主题: 气象\n---\n\n正文。\n"), ErrFrontMatter, 3, "categories: item 1: want text, got a mapping"},
		{"title a list", []byte("---\ntitle: [答复, 复函]\n---\n\n正文。\n"), ErrFrontMatter, 2, "title: want text, got a list"},

		{"empty", nil, ErrEmpty, 0, "empty"},
		{"blank", []byte(" \n\t\n　　\n"), ErrEmpty, 0, "empty"},
		{"BOM only", []byte("\ufeff"), ErrEmpty, 0, "empty"},
		{"empty front matter and body", []byte("---\n---\n"), ErrEmpty, 0, "empty"},
		{"no title and a blank body", []byte("---\ndate: 2020-11-07\ntags: [复函]\n---\n\n　　\n\n"), ErrEmpty, 0, "empty"},
		{"blank title and no body", []byte("---\ntitle: \"  \"\n---\n"), ErrEmpty, 0, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const path = "replies/reply.md"
			r, err := ParseReply(path, "reply", tc.data)
			if err == nil {
				t.Fatalf("ParseReply = %+v, want an error", r)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			if fe.Path != path {
				t.Errorf("Path = %q, want %q", fe.Path, path)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q is not %q", err, tc.err)
			}
			for _, other := range []error{ErrEncoding, ErrFrontMatter, ErrEmpty, ErrDuplicateID} {
				if other != tc.err && errors.Is(err, other) {
					t.Errorf("error %q is also %q", err, other)
				}
			}
			if fe.Line != tc.line {
				t.Errorf("Line = %d, want %d (%v)", fe.Line, tc.line, err)
			}
			prefix := path + ": "
			if tc.line > 0 {
				prefix = path + ":" + strconv.Itoa(tc.line) + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want %q...%q", err, prefix, tc.msg)
			}
		})
	}
}

// TestParseReplyTitleOnly: a title is enough, as with a reply whose text
// is only an attachment; one empty section carries the title into the
// index, so the document can be found and fetched.
func TestParseReplyTitleOnly(t *testing.T) {
	r := mustParseReply(t, []byte("---\ntitle: 国务院办公厅关于同意建立数字经济发展部际联席会议制度的函\n---\n\n"))
	if r.Title == "" || len(r.Sections) != 1 || r.Sections[0] != (Section{Num: 0}) {
		t.Errorf("got %+v, want the title and one empty section", r)
	}
}

func TestFileErrorString(t *testing.T) {
	for _, tc := range []struct {
		err  *FileError
		want string
	}{
		{&FileError{Path: "replies/a.md", Line: 14, Err: ErrEncoding}, "replies/a.md:14: unreadable text"},
		{&FileError{Path: "replies/a.md", Err: ErrEmpty}, "replies/a.md: empty document"},
		{&FileError{Path: "a.md", Line: 3, Err: errors.New("invalid front matter: date: x")}, "a.md:3: invalid front matter: date: x"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	for _, pattern := range []string{
		filepath.Join("..", "testdata", "replies", "*.md"),
		filepath.Join("..", "testdata", "replies", "*", "*.md"),
		filepath.Join(badSampleDir, "*.md"),
	} {
		paths, _ := filepath.Glob(pattern)
		for _, path := range paths {
			if data, err := os.ReadFile(path); err == nil && len(data) < 16<<10 {
				f.Add(data)
			}
		}
	}
	for _, seed := range []string{
		"",
		"+++\ntitle = \"答复\"\ndate = 2020-11-07\ntags = [\"复函\"]\n+++\n\n正文。\n",
		";;;\n{\"title\": \"答复\", \"tags\": \"复函\"}\n;;;\n\n正文。\n",
		"---json\n{\"title\": 5, \"date\": \"2020年11月7日\"}\n---\n正文。",
		"{\n\"title\": \"答复\"\n}\n\n正文。\n",
		"---\ntags: &a [*a]\n---\n",
		"---\nmeta: {a: [1, {b: c}]}\ndate: 2020-11-07 13:20:52\n---\r\n\r# 标题\r\r一、关于\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz/reply.md"
		r, err := ParseReply(path, "reply", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			if fe.Path != path {
				t.Fatalf("Path = %q, want %q", fe.Path, path)
			}
			if fe.Line < 0 {
				t.Fatalf("Line = %d", fe.Line)
			}
			return
		}
		if r.Title == "" && len(r.Sections) == 0 {
			t.Fatal("success without a title or sections")
		}
		for i, s := range r.Sections {
			if s.Num != i {
				t.Fatalf("section %d has Num %d", i, s.Num)
			}
		}
	})
}

// Keys are located in one pass: a front matter of many keys, each bad,
// reports the first key as written and its line, quickly.
func TestManyKeysReportFirstBadKey(t *testing.T) {
	doc := "+++\n"
	for i := range 3000 {
		doc += fmt.Sprintf("k%04d = %d\n", i, i)
	}
	doc += "date = \"yesterday\"\ntags = 5\n+++\n正文\n"
	_, err := ParseReply("many.md", "many", []byte(doc))
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 3002 || !strings.Contains(err.Error(), "date") {
		t.Errorf("error %v, want the date key at line 3002", err)
	}
	// A TOML value with a colon does not hide its key.
	_, err = ParseReply("t.md", "t", []byte("+++\ntitle = \"a: b\"\ndate = \"2020-11-07T13:20:52 nonsense\"\n+++\n正文\n"))
	if !errors.As(err, &fe) || fe.Line != 3 {
		t.Errorf("error %v, want line 3", err)
	}
}

package index

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func extractFile(t *testing.T, path, docID string) ReplyInfo {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply(path, docID, data)
	if err != nil {
		t.Fatal(err)
	}
	return ExtractReplyInfo(r.Title, replyLines(r), r.Meta)
}

// Golden outputs for every reply of the shared corpus (all twelve are in
// testdata/replies): go test ./index -run TestReplyInfoGolden -update.
func TestReplyInfoGolden(t *testing.T) {
	files, _, err := listSources(filepath.Join("..", "testdata", "replies"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 12 {
		t.Fatalf("%d replies, want 12", len(files))
	}
	for _, f := range files {
		got, err := json.MarshalIndent(extractFile(t, f.path, f.docID), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("..", "testdata", "replyinfo", strings.ReplaceAll(f.docID, "/", "_")+".json")
		if *update {
			os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./index -run TestReplyInfoGolden -update)", err)
		}
		if strings.TrimSpace(string(want)) != string(got) {
			t.Errorf("%s:\n got %s\nwant %s", f.docID, got, want)
		}
	}
}

func TestReplyInfoMIIT(t *testing.T) {
	ri := extractFile(t, filepath.Join("..", "testdata", "replies", "reply-miit-2020-2524.md"), "reply-miit-2020-2524")
	want := ReplyInfo{Kind: KindProposal, Body: "全国政协", Term: 13, Session: 3, ProposalNo: 2524, ProposalCategory: "公交邮电类240号",
		ProposalTitle: "关于疫情常态化防控背景下应对制造业挑战的提案(第2524号)", Addressees: []string{"张连起"}, AddresseeRole: "委员",
		Ministry: "工业和信息化部", ContactUnit: "工业和信息化部规划司"}
	if g, w := mustJSON(t, ri), mustJSON(t, want); g != w {
		t.Errorf("MIIT reply:\n got %s\nwant %s", g, w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Hand-made variants of what replies look like.
func TestReplyInfoVariants(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, shanghai) }
	tests := []struct {
		name  string
		title string
		lines []string
		meta  map[string]any
		want  ReplyInfo
	}{
		{"NPC deputy's suggestion", "对十三届全国人大二次会议第1234号建议的答复",
			[]string{"李明代表：", "您提出的《关于加快发展工业互联网的建议》收悉。现答复如下：", "正文。", "工业和信息化部", "2019年7月1日"}, nil,
			ReplyInfo{Kind: KindSuggestion, Body: "全国人大", Term: 13, Session: 2, ProposalNo: 1234, ProposalTitle: "关于加快发展工业互联网的建议",
				Addressees: []string{"李明"}, AddresseeRole: "代表", Ministry: "工业和信息化部", ReplyDate: day(2019, 7, 1)}},
		{"traditional characters and full-width digits", "關於政協十三屆全國委員會第三次會議第２５２４號提案答復的函",
			[]string{"張連起委員：", "您提出的《關於製造業的提案》收悉。", "正文。", "聯繫單位及電話：工業和信息化部規劃司 010-68205126"}, nil,
			ReplyInfo{Kind: KindProposal, Body: "全国政协", Term: 13, Session: 3, ProposalNo: 2524, ProposalTitle: "关于制造业的提案",
				Addressees: []string{"张连起"}, AddresseeRole: "委员", Ministry: "工业和信息化部", ContactUnit: "工业和信息化部规划司"}},
		{"missing closing", "关于政协十三届全国委员会第四次会议第100号提案答复的函",
			[]string{"王五委员：", "您提出的关于乡村振兴的提案收悉。", "正文到此为止。"}, nil,
			ReplyInfo{Kind: KindProposal, Body: "全国政协", Term: 13, Session: 4, ProposalNo: 100, ProposalTitle: "关于乡村振兴的提案",
				Addressees: []string{"王五"}, AddresseeRole: "委员"}},
		{"two addressees", "国务院办公厅对全国政协十届三次会议第2741号提案的答复",
			[]string{"邓乃扬、韩汝琦委员：", "你们提出的关于完善与发展政府网站的提案，经商有关部门，现答复如下：", "正文。", "国务院办公厅", "二〇〇五年七月十四日"}, nil,
			ReplyInfo{Kind: KindProposal, Body: "全国政协", Term: 10, Session: 3, ProposalNo: 2741, ProposalTitle: "关于完善与发展政府网站的提案",
				Addressees: []string{"邓乃扬", "韩汝琦"}, AddresseeRole: "委员", Ministry: "国务院办公厅", ReplyDate: day(2005, 7, 14)}},
		{"a motion", "关于十三届全国人大三次会议第56号议案的答复",
			[]string{"赵六等代表：", "你们提出的关于制定数据安全法的议案收悉。", "正文。", "司法部", "二〇二〇年八月二十日"}, nil,
			ReplyInfo{Kind: KindMotion, Body: "全国人大", Term: 13, Session: 3, ProposalNo: 56, ProposalTitle: "关于制定数据安全法的议案",
				Addressees: []string{"赵六"}, AddresseeRole: "代表", Ministry: "司法部", ReplyDate: day(2020, 8, 20)}},
		{"a local CPPCC", "关于广东省政协十二届四次会议第20210001号提案答复的函",
			[]string{"陈七委员：", "正文。"}, nil,
			ReplyInfo{Kind: KindProposal, Body: "广东省政协", Term: 12, Session: 4, ProposalNo: 20210001, Addressees: []string{"陈七"}, AddresseeRole: "委员"}},
		{"front matter overrides", "对十三届全国人大二次会议第1234号建议的答复",
			[]string{"李明代表：", "正文。"}, map[string]any{"addressee": "李明明", "proposal_no": 99, "ministry": "商务部", "reply_date": "2019-08-02"},
			ReplyInfo{Kind: KindSuggestion, Body: "全国人大", Term: 13, Session: 2, ProposalNo: 99, Addressees: []string{"李明明"}, AddresseeRole: "代表",
				Ministry: "商务部", ReplyDate: day(2019, 8, 2)}},
		{"not a reply", "中华人民共和国民法典", []string{"第一条 为了保护民事主体的合法权益，制定本法。"}, nil, ReplyInfo{}},
		{"a notice", "国务院关于印发“十四五”数字经济发展规划的通知", []string{"各省、自治区、直辖市人民政府：", "现将规划印发给你们。", "国务院", "2021年12月12日"}, nil, ReplyInfo{}},
	}
	for _, tt := range tests {
		got := ExtractReplyInfo(tt.title, tt.lines, tt.meta)
		if g, w := mustJSON(t, got), mustJSON(t, tt.want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, g, w)
		}
	}
}

func TestChineseNumbers(t *testing.T) {
	for s, want := range map[string]int{"一": 1, "十": 10, "十三": 13, "二十": 20, "二十四": 24, "九十九": 99, "甲": 0, "": 0} {
		if got := chineseNumber(s); got != want {
			t.Errorf("chineseNumber(%q) = %d, want %d", s, got, want)
		}
	}
	for s, want := range map[string]string{"二〇〇六年十月十八日": "2006-10-18", "一九九六年二月六日": "1996-02-06", "2020年11月7日": "2020-11-07", "二〇〇六年十三月一日": "", "2021年2月30日": ""} {
		d, ok := parseReplyDate(s)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
		}
		if got != want {
			t.Errorf("parseReplyDate(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzExtractReplyInfo(f *testing.F) {
	f.Add("关于政协十三届全国委员会第三次会议第2524号（公交邮电类240号）提案答复的函", "张连起委员：\n您提出的《关于的提案》收悉\n二〇〇六年十月十八日")
	f.Fuzz(func(t *testing.T, title, text string) {
		ri := ExtractReplyInfo(title, strings.Split(text, "\n"), nil)
		if ri.Kind == "" && !ri.IsZero() {
			t.Errorf("not a reply, yet extracted %+v", ri)
		}
		if ri.Term < 0 || ri.Session < 0 || ri.ProposalNo < 0 {
			t.Errorf("negative numbers: %+v", ri)
		}
	})
}

// Over the whole shared corpus, exactly the replies get reply data: the
// reply-* file and the govcn-* files tagged 提案建议答复 or 复函 — and the
// extraction agrees with the golden outputs of their copies in testdata.
func TestCorpusReplyInfo(t *testing.T) {
	corpus := os.Getenv("GOVSEARCH_CORPUS")
	if corpus == "" {
		t.Skip("set GOVSEARCH_CORPUS to the shared corpus folder to check all of it")
	}
	files, _, err := listSources(corpus, false)
	if err != nil {
		t.Fatal(err)
	}
	replies := 0
	for _, f := range files {
		r, _, fe := readReply(corpus, f)
		if fe != nil {
			continue
		}
		isReply := strings.HasPrefix(f.docID, "reply-") ||
			strings.HasPrefix(f.docID, "govcn-") && (slices.Contains(r.Tags, "提案建议答复") || slices.Contains(r.Tags, "复函"))
		if isReply {
			replies++
		}
		switch {
		case isReply && r.Info.IsZero():
			t.Errorf("%s is a reply, but nothing was extracted", f.docID)
		case !isReply && !r.Info.IsZero():
			t.Errorf("%s is not a reply, yet got %+v", f.docID, r.Info)
		case isReply:
			name := f.docID
			if strings.HasPrefix(name, "govcn-") {
				name = "guoban_" + name
			}
			want, err := os.ReadFile(filepath.Join("..", "testdata", "replyinfo", name+".json"))
			got, _ := json.MarshalIndent(r.Info, "", "  ")
			if err != nil || strings.TrimSpace(string(want)) != string(got) {
				t.Errorf("%s: got %s, golden %s (%v)", f.docID, got, want, err)
			}
		}
	}
	if replies != 12 {
		t.Errorf("%d replies in the corpus, want 12", replies)
	}
}

package analyzer

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// tok is a compact token for exact stream comparisons.
type tok struct {
	Term       string
	Start, End int
	Pos        int
}

func (t tok) String() string { return fmt.Sprintf("%s[%d:%d]@%d", t.Term, t.Start, t.End, t.Pos) }

func analyze(t *testing.T, text string) []tok {
	t.Helper()
	cache := registry.NewCache()
	a, err := cache.AnalyzerNamed(Name)
	if err != nil {
		t.Fatal(err)
	}
	var out []tok
	for _, tk := range a.Analyze([]byte(text)) {
		out = append(out, tok{string(tk.Term), tk.Start, tk.End, tk.Position})
	}
	return out
}

func TestAnalyzerTokenStreams(t *testing.T) {
	tests := []struct {
		text string
		want []tok
	}{
		{"长江大桥建成", []tok{{"长江", 0, 6, 1}, {"大桥", 6, 12, 1}, {"长江大桥", 0, 12, 1}, {"建成", 12, 18, 2}}},
		// Punctuation takes no position; the government term stays whole
		// and its sub-words share its position.
		{"从“产能过剩”向“弹性产能”的转变", []tok{
			{"从", 0, 3, 1}, {"产能", 6, 12, 2}, {"过剩", 12, 18, 2}, {"产能过剩", 6, 18, 2},
			{"向", 21, 24, 3}, {"弹性", 27, 33, 4}, {"产能", 33, 39, 4}, {"弹性产能", 27, 39, 4},
			{"的", 42, 45, 5}, {"转变", 45, 51, 6}}},
		{"加快工业互联网创新发展", []tok{
			{"加快", 0, 6, 1}, {"工业", 6, 12, 2}, {"互联", 12, 18, 2}, {"联网", 15, 21, 2}, {"互联网", 12, 21, 2},
			{"工业互联网", 6, 21, 2}, {"创新", 21, 27, 3}, {"发展", 27, 33, 4}}},
		{"解决“卡脖子”问题", []tok{{"解决", 0, 6, 1}, {"脖子", 12, 18, 2}, {"卡脖子", 9, 18, 2}, {"问题", 21, 27, 3}}},
		// Full-width letters and digits fold to half width and Latin to
		// lower case, but offsets stay on the original bytes.
		{"ＡＧ６００型", []tok{{"ag600", 0, 15, 1}, {"型", 15, 18, 2}}},
		{"C919大型客机", []tok{{"c919", 0, 4, 1}, {"大型", 4, 10, 2}, {"客机", 10, 16, 3}}},
		{"", nil},
		{"，。！", nil},
	}
	for _, tt := range tests {
		got := analyze(t, tt.text)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Analyze(%q)\n got %v\nwant %v", tt.text, got, tt.want)
		}
		for _, g := range got {
			if g.Start < 0 || g.End > len(tt.text) || g.Start >= g.End {
				t.Errorf("Analyze(%q): token %v outside the text", tt.text, g)
			}
		}
	}
}

// Offsets must land on the original text: the bytes they cut out normalize
// to the term.
func TestOffsetsCutOriginalText(t *testing.T) {
	texts := []string{
		"工业和信息化部积极考虑将５Ｇ、集成电路、生物医药等重点领域纳入“十四五”国家专项规划。",
		"中俄联合研制远程宽体客机项目启动建设，2017年9月习近平总书记批准远程宽体客机正式命名为CR929。",
		"Ｗｏｒｌｄ Ｔｒａｄｅ 组织（ＷＴＯ）一九五五年",
		"bad \xff\xfe utf-8 \x00 and NUL",
	}
	for _, text := range texts {
		prev := 0
		for _, tk := range analyze(t, text) {
			if tk.Pos < prev {
				t.Errorf("%q: position %d after %d", text, tk.Pos, prev)
			}
			prev = tk.Pos
			if got := NormalizeString(text[tk.Start:tk.End]); got != tk.Term {
				t.Errorf("%q: token %v cuts %q, which normalizes to %q", text, tk, text[tk.Start:tk.End], got)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"５Ｇ网络", "5g网络"},
		{"ＡＢＣ　ｄｅｆ", "abc def"},
		{"已经是规范的文本", "已经是规范的文本"},
		{"二〇〇六年", "二〇〇六年"},
		{"a\x00b", "a b"},
		{"\xff", " "},
		{"①", "1"},
	}
	for _, tt := range tests {
		n := Normalize(tt.in)
		if n.Text != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, n.Text, tt.want)
		}
		if n.Orig(0) != 0 || n.OrigEnd(len(n.Text)) != len(tt.in) {
			t.Errorf("Normalize(%q): ends map to %d..%d, want 0..%d", tt.in, n.Orig(0), n.OrigEnd(len(n.Text)), len(tt.in))
		}
	}
}

// Phrase queries over an index analyzed with search-mode tokens: the
// positions must let a phrase match inside a longer word and across words,
// and must not match words out of order.
func TestPhraseQueries(t *testing.T) {
	m := mapping.NewIndexMapping()
	m.DefaultAnalyzer = Name
	idx, err := bleve.New(t.TempDir()+"/idx", m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	docs := map[string]string{
		"bridge": "长江大桥建成通车，标志着交通建设迈上新台阶。",
		"miit":   "下一步，工业和信息化部将统筹推动新型基础设施技术创新，加快工业互联网创新发展。",
		"choke":  "有力有效解决“卡脖子”问题，为构建现代化经济体系提供有力支撑。",
		"shift":  "关于从“产能过剩”向“弹性产能”的转变",
	}
	for id, text := range docs {
		if err := idx.Index(id, map[string]string{"text": text}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		phrase string
		want   string // "" when nothing may match
	}{
		{"大桥建成", "bridge"},
		{"长江大桥建成", "bridge"},
		{"长江大桥", "bridge"},
		{"建成大桥", ""},
		{"工业互联网创新发展", "miit"},
		{"互联网创新", "miit"},
		{"加快工业互联网", "miit"},
		{"新型基础设施技术创新", "miit"},
		{"解决卡脖子问题", "choke"},
		{"卡脖子", "choke"},
		{"弹性产能", "shift"},
		{"产能过剩", "shift"},
		{"弹性过剩", ""},
	}
	for _, tt := range tests {
		q := bleve.NewMatchPhraseQuery(tt.phrase)
		q.SetField("text")
		res, err := idx.Search(bleve.NewSearchRequest(q))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.ID)
		}
		want := []string{}
		if tt.want != "" {
			want = []string{tt.want}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("phrase %q matched %v, want %v", tt.phrase, got, want)
		}
	}
}

func TestParseUserDict(t *testing.T) {
	got, err := ParseUserDict("words.txt", strings.NewReader("# comment\n\n新质生产力\n数字孪生 n\n低空经济 50 n\n  ＡＩ大模型 10 nz  \n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "新质生产力\n数字孪生 n\n低空经济 50 n\nai大模型 10 nz\n"
	if got != want {
		t.Errorf("ParseUserDict = %q, want %q", got, want)
	}
	bad := []struct{ in, msg string }{
		{"a b c d\n", "words.txt:1: invalid user dictionary: want"},
		{"ok\n词 -5 n\n", "words.txt:2: invalid user dictionary: frequency \"-5\""},
		{"词 5 名词\n", "words.txt:1: invalid user dictionary: part of speech"},
		{"\xff\xfe\n", "words.txt:1: invalid user dictionary: not valid UTF-8"},
	}
	for _, b := range bad {
		_, err := ParseUserDict("words.txt", strings.NewReader(b.in))
		if err == nil || !strings.HasPrefix(err.Error(), b.msg) {
			t.Errorf("ParseUserDict(%q) error = %v, want prefix %q", b.in, err, b.msg)
		}
	}
	if _, err := ParseUserDict("gov_terms.txt", strings.NewReader(GovTerms())); err != nil {
		t.Errorf("built-in dictionary: %v", err)
	}
}

// A user dictionary word becomes one token, and indexes built with
// different dictionaries share nothing by accident.
func TestUserDictionary(t *testing.T) {
	before, err := NewTokenizer("")
	if err != nil {
		t.Fatal(err)
	}
	dict, err := ParseUserDict("words.txt", strings.NewReader("新质生产力 1000 n\n"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := NewTokenizer(dict)
	if err != nil {
		t.Fatal(err)
	}
	terms := func(tz analysis.Tokenizer) string {
		var s []string
		for _, tk := range tz.Tokenize([]byte("发展新质生产力")) {
			s = append(s, string(tk.Term))
		}
		return strings.Join(s, " ")
	}
	if got := terms(before); strings.Contains(got, "新质生产力") {
		t.Errorf("without the user dictionary: %q already has the word", got)
	}
	if got := terms(after); !strings.Contains(got, "新质生产力") {
		t.Errorf("with the user dictionary: %q lacks 新质生产力", got)
	}
}

// FuzzTokenize: on any bytes, no panic, offsets inside the text on rune
// boundaries, positions from 1 and never decreasing, terms non-empty.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"长江大桥建成", "５Ｇ网络ＡＢＣ", "a\x00b\xff", "从“产能过剩”向“弹性产能”的转变", "①②③ ﬁ ㈠"} {
		f.Add([]byte(s))
	}
	tz, err := NewTokenizer("")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		prev := 0
		for _, tk := range tz.Tokenize(text) {
			if tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End {
				t.Fatalf("token %q [%d:%d] outside text of %d bytes", tk.Term, tk.Start, tk.End, len(text))
			}
			if tk.Position < 1 || tk.Position < prev {
				t.Fatalf("position %d after %d", tk.Position, prev)
			}
			prev = tk.Position
			if len(tk.Term) == 0 {
				t.Fatalf("empty term at [%d:%d]", tk.Start, tk.End)
			}
			if utf8.Valid(text) && (!utf8.RuneStart(text[tk.Start]) || tk.End < len(text) && !utf8.RuneStart(text[tk.End])) {
				t.Fatalf("token %q [%d:%d] cuts a character", tk.Term, tk.Start, tk.End)
			}
		}
	})
}

// One jieba instance per process and dictionary: an instance holds 100+ MB.
func TestSharedInstance(t *testing.T) {
	a, err := NewTokenizer("")
	if err != nil {
		t.Fatal(err)
	}
	b, err := TokenizerConstructor(map[string]any{"type": TokenizerName, UserDictKey: ""}, registry.NewCache())
	if err != nil {
		t.Fatal(err)
	}
	if a.jieba != b.(*Tokenizer).jieba {
		t.Error("two tokenizers with one dictionary hold different jieba instances")
	}
	if _, err := TokenizerConstructor(map[string]any{UserDictKey: 5}, registry.NewCache()); err == nil {
		t.Error("a user_dict that is not a string was accepted")
	}
}

// gojieba panics when a dictionary file is missing; govsearch returns an
// error instead.
func TestMissingDictionaryIsAnError(t *testing.T) {
	var files dictFiles
	for i := range files {
		files[i] = t.TempDir() + "/missing.utf8"
	}
	if _, err := newJieba(files); err == nil || !strings.Contains(err.Error(), "missing.utf8") {
		t.Errorf("newJieba with missing files: %v, want an error naming the file", err)
	}
}

func TestTraditionalFoldsToSimplified(t *testing.T) {
	for in, want := range map[string]string{
		"工業互聯網":  "工业互联网",
		"政府工作報告": "政府工作报告",
		"國務院辦公廳": "国务院办公厅",
		"营商环境":   "营商环境",
	} {
		n := Normalize(in)
		if n.Text != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, n.Text, want)
		}
		// One character for one: offsets into the original stay exact.
		if n.OrigEnd(len(n.Text)) != len(in) || n.Orig(3) != 3 {
			t.Errorf("Normalize(%q): offsets do not map back", in)
		}
	}
	got := analyze(t, "加快工業互聯網創新發展")
	if len(got) < 2 || got[1].Term != "工业" || got[5].Term != "工业互联网" || got[5].Start != 6 || got[5].End != 21 {
		t.Errorf("traditional text cuts as %v", got)
	}
}

func TestNgramTokenizer(t *testing.T) {
	var got []tok
	for _, tk := range (&NgramTokenizer{}).Tokenize([]byte("产能 過剩" + Separator + Separator + "５Ｇ")) {
		if tk.Start != 0 || tk.End != 0 {
			t.Errorf("token %q has offsets", tk.Term)
		}
		got = append(got, tok{string(tk.Term), tk.Start, tk.End, tk.Position})
	}
	// Positions count characters, white space included; segments are a
	// position apart and share no bigram; each ends with its last
	// character alone.
	want := []tok{{"产能", 0, 0, 1}, {"能 ", 0, 0, 2}, {" 过", 0, 0, 3}, {"过剩", 0, 0, 4}, {"剩", 0, 0, 5},
		{"5g", 0, 0, 8}, {"g", 0, 0, 9}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bigrams = %v, want %v", got, want)
	}
}

func TestPreciseMode(t *testing.T) {
	tz, err := TokenizerConstructor(map[string]any{PreciseKey: true}, registry.NewCache())
	if err != nil {
		t.Fatal(err)
	}
	var got []tok
	for _, tk := range tz.Tokenize([]byte("长江大桥建成")) {
		got = append(got, tok{string(tk.Term), tk.Start, tk.End, tk.Position})
	}
	if want := []tok{{"长江大桥", 0, 12, 1}, {"建成", 12, 18, 2}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("precise cut = %v, want %v", got, want)
	}
	if _, err := TokenizerConstructor(map[string]any{PreciseKey: "yes"}, registry.NewCache()); err == nil {
		t.Error("precise: \"yes\" was accepted")
	}
}

package analyzer

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/yanyiwu/gojieba"
)

// A jieba instance holds its dictionaries in memory (100+ MB) and its cut
// methods are safe for concurrent use, so a process keeps exactly one per
// user dictionary. bleve builds tokenizers from the index mapping through its
// registry, which gives no other place to keep them: this cache is the one
// piece of package state, and it only ever grows by distinct dictionaries.
var (
	jiebaMu    sync.Mutex
	jiebaByKey = map[[32]byte]*gojieba.Jieba{}
	// idfByJieba holds, for each instance, the keyword tables Keywords
	// loads on first use (see keywords.go).
	idfByJieba = map[*gojieba.Jieba]*keywordTables{}
)

// sharedJieba returns the process's jieba instance for the canonical user
// dictionary userDict (see ParseUserDict), creating it on first use.
func sharedJieba(userDict string) (*gojieba.Jieba, error) {
	key := sha256.Sum256([]byte(userDict))
	jiebaMu.Lock()
	defer jiebaMu.Unlock()
	if j, ok := jiebaByKey[key]; ok {
		return j, nil
	}
	dir, err := cacheDir()
	if err != nil {
		return nil, err
	}
	files, err := writeDicts(dir, userDict)
	if err != nil {
		return nil, err
	}
	// cppjieba would load the IDF table (260,000 lines, a third of its
	// start-up) for its keyword extractor; govsearch extracts keywords in
	// Go (keywords.go), loading the table only when first asked, so
	// jieba gets a one-line stand-in and a server is ready sooner.
	stub, err := writeIDFStub(dir)
	if err != nil {
		return nil, err
	}
	cfiles := files
	cfiles[3] = stub
	j, err := newJieba(cfiles)
	if err != nil {
		return nil, err
	}
	jiebaByKey[key] = j
	idfByJieba[j] = &keywordTables{idfPath: files[3], stopPath: files[4]}
	return j, nil
}

// newJieba turns gojieba's panic on a missing dictionary into an error: a
// search service must say what is wrong, not crash.
func newJieba(files dictFiles) (j *gojieba.Jieba, err error) {
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("jieba dictionary: %w", err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("load jieba dictionaries from %s: %v", filepath.Dir(files[0]), r)
		}
	}()
	return gojieba.NewJieba(files[:]...), nil
}

// CacheDir is govsearch's cache folder, where the embedded dictionaries are
// unpacked and the built-in sample is indexed: GOVSEARCH_CACHE_DIR, else
// the user's cache folder, else the system's temporary folder (a container
// user without a home).
func CacheDir() (string, error) {
	if d := os.Getenv("GOVSEARCH_CACHE_DIR"); d != "" {
		return d, nil
	}
	if d, err := os.UserCacheDir(); err == nil {
		if err := os.MkdirAll(filepath.Join(d, "govsearch"), 0o755); err == nil {
			return filepath.Join(d, "govsearch"), nil
		}
	}
	d := filepath.Join(os.TempDir(), fmt.Sprintf("govsearch-%d", os.Getuid()))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("cache folder: %w", err)
	}
	return d, nil
}

func cacheDir() (string, error) {
	d, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "jieba"), nil
}
